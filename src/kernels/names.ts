/**
 * Names of the kernels unet-kit adds (not replacements of tfjs kernels). A separate module so
 * layers can look them up without importing the kernels themselves.
 */

/**
 * Training-mode batch norm over the last axis: inputs `{x, gamma, beta}`, attr `{epsilon}`,
 * outputs `[y, mean, variance]` (per-channel batch statistics, biased variance).
 */
export const BATCH_NORM_TRAINING = 'UnetKitBatchNormTraining';

/**
 * Gradient of {@link BATCH_NORM_TRAINING}: inputs `{dy, x, gamma, mean, variance}`, attr
 * `{epsilon}`, outputs `[dx, dgamma, dbeta]`.
 */
export const BATCH_NORM_TRAINING_GRAD = 'UnetKitBatchNormTrainingGrad';

/**
 * The ReLU gradient `dy * (x > 0)` in one kernel: inputs `{dy, x}`, output `dx`. Registered where
 * a backend has such an op (TensorFlow's `ReluGrad`); the Relu gradient uses it there.
 */
export const RELU_GRAD = 'UnetKitReluGrad';
