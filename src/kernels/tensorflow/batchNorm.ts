import type * as tf from '@tensorflow/tfjs-core';
import type { Info } from '../tensorData.js';
import type { OpAttr, TensorflowBackendLike } from './backendLike.js';

type Args = Parameters<tf.KernelFunc>[0];

const dispose = (backend: TensorflowBackendLike, infos: Info[]) => infos.forEach((t) => backend.disposeData(t.dataId, true));

function int32Vector(backend: TensorflowBackendLike, values: number[]): Info {
  return { dataId: backend.write(Int32Array.from(values), [values.length], 'int32'), shape: [values.length], dtype: 'int32' };
}

function emptyVector(backend: TensorflowBackendLike): Info {
  return { dataId: backend.write(new Float32Array(0), [0], 'float32'), shape: [0], dtype: 'float32' };
}

/** `x` viewed as `[1, 1, pixels, C]` (TensorFlow's fused batch norm takes rank 4 or 5 only). */
function asRank4(backend: TensorflowBackendLike, x: Info): Info {
  const c = x.shape[x.shape.length - 1]!;
  const pixels = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const shape = int32Vector(backend, [1, 1, pixels, c]);
  const attrs = [
    { name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT },
    { name: 'Tshape', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_INT32 },
  ];
  const out = backend.executeSingleOutput('Reshape', attrs, [x, shape]);
  dispose(backend, [shape]);
  return out;
}

function reshapeBack(backend: TensorflowBackendLike, y: Info, shapeOf: number[]): Info {
  const shape = int32Vector(backend, shapeOf);
  const attrs = [
    { name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT },
    { name: 'Tshape', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_INT32 },
  ];
  const out = backend.executeSingleOutput('Reshape', attrs, [y, shape]);
  dispose(backend, [shape]);
  return out;
}

function fusedAttrs(backend: TensorflowBackendLike, epsilon: number): OpAttr[] {
  const { binding } = backend;
  return [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'U', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'epsilon', type: binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: binding.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * Kernel of unet-kit's training batch norm on `tensorflow`: TensorFlow's `FusedBatchNormV3`
 * (`is_training`), one native op instead of ~10 eager ops. Outputs `[y, mean, variance]` with the
 * biased batch variance (TensorFlow's reserve space 2 on CPU; its `batch_variance` output is the
 * Bessel-corrected one), the same contract as the cpu/wasm kernel.
 */
export function tensorflowBatchNormTraining({ inputs, backend, attrs }: Args): Info[] {
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
  const x4 = asRank4(tfBackend, x);
  const empty = emptyVector(tfBackend);
  const [y4, batchMean, batchVariance, mean, variance, reserve3] = tfBackend.executeMultipleOutputs(
    'FusedBatchNormV3',
    fusedAttrs(tfBackend, (attrs as { epsilon: number }).epsilon),
    [x4, gamma, beta, empty, empty],
    6,
  ) as [Info, Info, Info, Info, Info, Info];
  const y = reshapeBack(tfBackend, y4, [...x.shape]);
  dispose(tfBackend, [x4, empty, y4, batchMean, batchVariance, reserve3]);
  return [y, mean, variance];
}

/**
 * Gradient kernel on `tensorflow`: `FusedBatchNormGradV3` with the saved batch mean and biased
 * variance (what the CPU kernel keeps in its reserve spaces). Outputs `[dx, dgamma, dbeta]`.
 */
export function tensorflowBatchNormTrainingGrad({ inputs, backend, attrs }: Args): Info[] {
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const { dy, x, gamma, mean, variance } = inputs as { dy: Info; x: Info; gamma: Info; mean: Info; variance: Info };
  const x4 = asRank4(tfBackend, x);
  const dy4 = asRank4(tfBackend, dy);
  const empty = emptyVector(tfBackend);
  const [dx4, dGamma, dBeta, r4, r5] = tfBackend.executeMultipleOutputs(
    'FusedBatchNormGradV3',
    fusedAttrs(tfBackend, (attrs as { epsilon: number }).epsilon),
    [dy4, x4, gamma, mean, variance, empty],
    5,
  ) as [Info, Info, Info, Info, Info];
  const dx = reshapeBack(tfBackend, dx4, [...x.shape]);
  dispose(tfBackend, [x4, dy4, empty, dx4, r4, r5]);
  return [dx, dGamma, dBeta];
}
