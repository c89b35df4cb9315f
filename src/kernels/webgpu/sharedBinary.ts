// tfjs-backend-webgpu 4.22's binary ops keep a rank-1 operand shorter than 128 (a bias, a norm's
// gamma) in workgroup memory and index it with the other operand's last coordinate,
// `coords[rank - 1]`: at rank 5 the coordinates are tfjs' `vec5` struct, which WGSL cannot index
// ("cannot index type 'vec5'"), so the shader fails to compile and the output is garbage (the
// bias add of swinUNETR 3D's patch embedding, then NaN). A rank-1 operand broadcasts along the
// last axis only, so the same op on the large operand seen as `[-1, C]` (a free reshape)
// computes the same values through the rank-2 shader.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';

/** The binary kernels of tfjs-webgpu built on its shared-memory BinaryOpProgram. */
export const WEBGPU_SHARED_BINARY_OPS: readonly string[] = [
  tf.Add,
  tf.Sub,
  tf.Multiply,
  tf.RealDiv,
  tf.Maximum,
  tf.Minimum,
  tf.SquaredDifference,
  tf.Pow,
  tf.Greater,
  tf.GreaterEqual,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
];

/** The highest rank whose coordinates the stock shader can index. */
const MAX_RANK = 4;

/** The parts of tfjs' WebGPU backend this kernel uses. */
interface BackendLike {
  disposeData(dataId: object): boolean;
}

/** True where the stock kernel takes its shared-memory path (tfjs-webgpu binary_op_webgpu.ts). */
const shared = (small: readonly number[], large: readonly number[]): boolean => small.length === 1 && small[0]! < 128 && large.length > MAX_RANK;

/**
 * Binary kernel `kernelName` for `backendName` (registered for `'webgpu'`): with a short rank-1
 * operand and the other above rank 4, the stock kernel on the large operand as `[-1, C]`; else
 * the stock kernel as is.
 */
export function sharedBinaryKernel(kernelName: string, backendName: string): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const op = stockKernelFunc(kernelName, backendName);
    const flattenA = shared(b.shape, a.shape);
    if (!flattenA && !shared(a.shape, b.shape)) return op(args);
    const reshape = stockKernelFunc(tf.Reshape, backendName);
    const large = flattenA ? a : b;
    const last = large.shape[large.shape.length - 1]!;
    const view = (x: tf.TensorInfo, shape: number[]) => reshape({ inputs: { x }, backend: args.backend, attrs: { shape } }) as tf.TensorInfo;
    const flat = view(large, [-1, last]);
    const y = op({ ...args, inputs: flattenA ? { a: flat, b } : { a, b: flat } }) as tf.TensorInfo;
    const out = view(y, [...large.shape]);
    const backend = args.backend as unknown as BackendLike;
    backend.disposeData(flat.dataId);
    backend.disposeData(y.dataId);
    return out;
  };
}
