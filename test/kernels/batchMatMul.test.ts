import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { isUnetKitKernel, stockKernel } from '../../src/kernels/index.js';
import { simdMatMulFor, simdMatMulModuleBytes } from '../../src/kernels/wasm/simdMatMul.js';
import { expectClose } from '../helpers/numeric.js';
import { backendBuffers, randomInput } from './kernelHarness.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** `a @ b` (with transposes) by definition in float64, any batch broadcast of size 1. */
function reference(a: { shape: number[]; values: Float32Array }, b: { shape: number[]; values: Float32Array }, tA: boolean, tB: boolean): number[] {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = tA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = tA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = tB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = a.values.length / (m * k);
  const batchB = b.values.length / (k * n);
  const out: number[] = [];
  for (let i = 0; i < Math.max(batchA, batchB); i++) {
    const ao = (batchA === 1 ? 0 : i) * m * k;
    const bo = (batchB === 1 ? 0 : i) * k * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a.values[ao + (tA ? t * m + r : r * k + t)]! * b.values[bo + (tB ? c * k + t : t * n + c)]!;
        out.push(s);
      }
    }
  }
  return out;
}

const CASES: { title: string; a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
  { title: 'batched, plain, N a multiple of 4', a: [3, 5, 6], b: [3, 6, 8], tA: false, tB: false },
  { title: 'batched q k^T (transposeB), N = 7 (3 columns in the scalar tail)', a: [4, 7, 3], b: [4, 7, 3], tA: false, tB: true },
  { title: 'batched weights^T dO (transposeA), N = 5', a: [2, 9, 6], b: [2, 9, 5], tA: true, tB: false },
  { title: 'both transposed', a: [2, 4, 3], b: [2, 6, 4], tA: true, tB: true },
  { title: 'rank 4 (windows x heads)', a: [2, 3, 5, 4], b: [2, 3, 4, 9], tA: false, tB: false },
  { title: 'a broadcast over the batch of b', a: [1, 5, 4], b: [3, 4, 6], tA: false, tB: false },
  { title: '2D with a transposed operand (the linear layers` gradients)', a: [10, 6], b: [10, 4], tA: true, tB: false },
  { title: 'fewer than 4 columns (stock kernel)', a: [3, 4, 5], b: [3, 5, 2], tA: false, tB: false },
];

describe('wasm BatchMatMul (WebAssembly SIMD)', () => {
  it('replaces the stock kernel; its module validates', () => {
    expect(isUnetKitKernel('BatchMatMul', 'wasm')).toBe(true);
    expect(stockKernel('BatchMatMul', 'wasm')).toBeDefined();
    expect(WebAssembly.validate(simdMatMulModuleBytes())).toBe(true);
  });

  it('links to a shared memory too (the threaded wasm build imports one), and to an unshared one', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const plain = new WebAssembly.Memory({ initial: 1 });
    expect(WebAssembly.validate(simdMatMulModuleBytes(true))).toBe(true);
    for (const memory of [shared, plain]) {
      const mm = simdMatMulFor(memory);
      expect(mm).not.toBeNull();
      // [1 x 2] . [2 x 4] at byte offsets 0, 64 and 128.
      const f = new Float32Array(memory.buffer);
      f.set([1, 2], 0);
      f.set([1, 2, 3, 4, 5, 6, 7, 8], 16);
      mm!(0, 64, 128, 1, 2, 4, 0, 4);
      expect(Array.from(f.slice(32, 36))).toEqual([11, 14, 17, 20]);
    }
  });

  for (const c of CASES) {
    it(`equals the product by definition: ${c.title}; leaves no buffer behind`, () => {
      const a = randomInput(c.a, 1);
      const b = randomInput(c.b, 2);
      const [ta, tb] = [tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape)];
      const before = [tf.memory().numTensors, backendBuffers()];
      const y = tf.matMul(ta, tb, c.tA, c.tB);
      const values = Array.from(y.dataSync());
      y.dispose();
      expect([tf.memory().numTensors, backendBuffers()]).toEqual(before);
      expectClose(values, reference(a, b, c.tA, c.tB), 1e-4);
      tf.dispose([ta, tb]);
    });
  }

  it('gives the stock kernel`s gradients (tfjs` BatchMatMul gradient runs transposed products)', async () => {
    const grads = () =>
      tf.tidy(() => {
        const a = tf.randomNormal([3, 6, 5], 0, 1, 'float32', 3);
        const b = tf.randomNormal([3, 5, 7], 0, 1, 'float32', 4);
        const w = tf.randomNormal([3, 6, 7], 0, 1, 'float32', 5);
        return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]).map((g) => Array.from(g.dataSync()));
      });
    const ours = grads();
    await useBackend('cpu');
    const cpu = grads();
    await useBackend('wasm');
    ours.forEach((g, i) => expectClose(g, cpu[i], 1e-4, `grad ${i}`));
  });
});
