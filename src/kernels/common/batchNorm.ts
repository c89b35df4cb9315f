import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrainingGradLoop, batchNormTrainingLoop } from '../loops/batchNorm.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../names.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * Kernel of {@link BATCH_NORM_TRAINING} (cpu and wasm): one custom op with outputs
 * `[y, mean, variance]` instead of the ~10 tensor ops (and, on cpu, ~10 full-size allocations)
 * of moments + batchNorm.
 */
export function batchNormTrainingKernel({ inputs, backend, attrs }: Args): Info[] {
  const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
  const c = x.shape[x.shape.length - 1]!;
  const y = allocF32(backend, [...x.shape]);
  const mean = allocF32(backend, [c]);
  const variance = allocF32(backend, [c]);
  batchNormTrainingLoop(
    readF32(backend, x),
    readF32(backend, gamma),
    readF32(backend, beta),
    (attrs as { epsilon: number }).epsilon,
    readF32(backend, y.info),
    readF32(backend, mean.info),
    readF32(backend, variance.info),
  );
  return [y.info, mean.info, variance.info];
}

/** Kernel of {@link BATCH_NORM_TRAINING_GRAD}: outputs `[dx, dgamma, dbeta]`. */
export function batchNormTrainingGradKernel({ inputs, backend, attrs }: Args): Info[] {
  const { dy, x, gamma, mean, variance } = inputs as { dy: Info; x: Info; gamma: Info; mean: Info; variance: Info };
  const c = x.shape[x.shape.length - 1]!;
  const dx = allocF32(backend, [...x.shape]);
  const dGamma = allocF32(backend, [c]);
  const dBeta = allocF32(backend, [c]);
  batchNormTrainingGradLoop(
    readF32(backend, dy),
    readF32(backend, x),
    readF32(backend, gamma),
    readF32(backend, mean),
    readF32(backend, variance),
    (attrs as { epsilon: number }).epsilon,
    readF32(backend, dx.info),
    readF32(backend, dGamma.info),
    readF32(backend, dBeta.info),
  );
  return [dx.info, dGamma.info, dBeta.info];
}

/**
 * Gradient of {@link BATCH_NORM_TRAINING} (global, like every tfjs gradient): the upstream
 * gradient of `y` through {@link BATCH_NORM_TRAINING_GRAD}. The statistics outputs only feed the
 * moving averages, which are not differentiated.
 */
export const batchNormTrainingGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [x, gamma, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    // Computed here, not in the per-input closures: tfjs runs each closure in its own tidy, which
    // would dispose the other two outputs of a shared call.
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, gamma, mean, variance }, { epsilon: attrs['epsilon'] as number }) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! };
  },
};
