import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../../core/errors.js';
import { stockKernel } from '../registry.js';
import { allocF32, withScope, type Info } from '../tensorData.js';
import { simdMatMulFor } from './simdMatMul.js';

type Args = Parameters<tf.KernelFunc>[0];

/** The parts of tfjs' wasm backend object this kernel reads. */
interface WasmBackendParts {
  // The single-threaded build exports its memory (asm.memory); the threaded one imports a shared
  // memory and keeps it as wasmMemory.
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

function stock(args: Args): Info {
  const config = stockKernel(tf.BatchMatMul, 'wasm');
  if (config === undefined) throw new UnetKitError('installKernels', 'backendName', `is 'wasm', whose stock BatchMatMul kernel is missing; import @tensorflow/tfjs-backend-wasm before installing unet-kit's kernels.`);
  return config.kernelFunc(args) as Info;
}

/**
 * `BatchMatMul` for wasm through a WebAssembly SIMD loop ({@link simdMatMulFor}) where tfjs 4.22
 * runs a scalar one: every product with more than one matrix in the batch, or with a transposed
 * operand (tfjs sends only the plain 2D product to XNNPACK). Window attention is that case
 * (`q k^T` and `weights v` over thousands of 343 x 343 windows, and their gradients); tfjs'
 * loop runs them at 0.7-0.9 GFLOP/s here, this one at 3-5. A transposed operand is transposed
 * first (tfjs' `Transpose`), then `C = A B` runs four output columns per vector instruction; the
 * last `N mod 4` columns run in JavaScript. The plain 2D product, non-float32 inputs, fewer than
 * 4 output columns and engines without SIMD keep the stock kernel.
 */
export function wasmBatchMatMul(args: Args): Info {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const parts = backend as unknown as WasmBackendParts;
  const memory = parts.wasm?.asm?.memory ?? parts.wasm?.wasmMemory;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !(memory instanceof WebAssembly.Memory)) return stock(args);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const plain2d = batch === 1 && !transposeA && !transposeB;
  // Mismatched inner sizes or batches go to the stock kernel, which reports them.
  if (plain2d || k !== kb || m < 1 || k < 1 || n < 4 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return stock(args);
  const mm = simdMatMulFor(memory);
  if (mm === null) return stock(args);
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];

  return withScope(backend, 'wasm', (scope) => {
    // Plain row-major operands [batch, M, K] and [batch, K, N].
    const a3 = scope.reshape(a, [batchA, transposeA ? k : m, transposeA ? m : k]);
    const b3 = scope.reshape(b, [batchB, transposeB ? n : k, transposeB ? k : n]);
    const left = transposeA ? scope.run('Transpose', { x: a3 }, { perm: [0, 2, 1] }) : a3;
    const right = transposeB ? scope.run('Transpose', { x: b3 }, { perm: [0, 2, 1] }) : b3;
    const out = allocF32(backend, outShape).info;
    // Addresses only now: allocating may move nothing, but may grow (and detach) heap views.
    const offset = (info: Info): number => {
      const record = parts.dataIdMap.get(info.dataId);
      if (record === undefined) throw new UnetKitError('BatchMatMul', 'input', 'has no data on the wasm backend (disposed?).');
      return record.memoryOffset;
    };
    const [pa, pb, pc] = [offset(left), offset(right), offset(out)];
    const n4 = n - (n % 4);
    const strideA = batchA === 1 ? 0 : m * k;
    const strideB = batchB === 1 ? 0 : k * n;
    for (let i = 0; i < batch; i++) mm(pa + 4 * i * strideA, pb + 4 * i * strideB, pc + 4 * i * m * n, m, k, n, 0, n4);
    if (n4 < n) {
      const heap = parts.wasm.HEAPF32;
      const [fa, fb, fc] = [pa / 4, pb / 4, pc / 4];
      for (let i = 0; i < batch; i++) {
        const ao = fa + i * strideA;
        const bo = fb + i * strideB;
        const co = fc + i * m * n;
        for (let r = 0; r < m; r++) {
          for (let j = n4; j < n; j++) {
            let s = 0;
            for (let t = 0; t < k; t++) s += heap[ao + r * k + t]! * heap[bo + t * n + j]!;
            heap[co + r * n + j] = s;
          }
        }
      }
    }
    return out;
  });
}
