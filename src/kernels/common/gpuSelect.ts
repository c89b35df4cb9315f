// tfjs-backend-webgl (and -webgpu) 4.22's Select (tf.where) generate shaders for rank <= 4 only
// ("Where for rank 5 is not yet supported"), yet rank-5 volumes meet tf.where in training (the GELU and
// clipping gradients of a 3D UNETR). Select is element-wise (tf.where broadcasts its condition
// to the values' shape first), so the same kernel on flattened views (a free reshape) computes
// it: [N, D, H, W, C] as [N*D*H*W*C].
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';

/** The highest rank stock WebGL Select compiles. */
const MAX_RANK = 4;

/** The parts of tfjs' WebGL and WebGPU backends this kernel uses. */
interface GpuBackendLike {
  /** Drops one reference (the views share their input's data); WebGPU has no disposeIntermediateTensorInfo. */
  disposeData(dataId: object): boolean;
}

/**
 * `Select` for `backendName` (registered for `'webgl'` and `'webgpu'`): above rank 4, with a condition of the
 * values' shape, the stock kernel on flattened views; else the stock kernel.
 */
export const gpuSelectKernel = (backendName: string): tf.KernelFunc => (args) => {
  const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
  const select = stockKernelFunc(tf.Select, backendName);
  // A rank-1 condition (tfjs' row selection, reachable only through runKernel) stays stock.
  if (t.shape.length <= MAX_RANK || condition.shape.length !== t.shape.length) return select(args);
  const reshape = stockKernelFunc(tf.Reshape, backendName);
  const flatShape = [t.shape.reduce((a, b) => a * b, 1)];
  const view = (x: tf.TensorInfo, shape: number[]) => reshape({ inputs: { x }, backend: args.backend, attrs: { shape } }) as tf.TensorInfo;
  const views = { condition: view(condition, flatShape), t: view(t, flatShape), e: view(e, flatShape) };
  const flat = select({ inputs: views, backend: args.backend, attrs: {} }) as tf.TensorInfo;
  const out = view(flat, [...t.shape]);
  const backend = args.backend as unknown as GpuBackendLike;
  for (const info of [views.condition, views.t, views.e, flat]) backend.disposeData(info.dataId);
  return out;
};
