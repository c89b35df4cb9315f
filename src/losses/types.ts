import type * as tf from '@tensorflow/tfjs-core';

/**
 * A loss as tfjs-layers expects it in `model.compile({ loss })`: `(yTrue, yPred) => loss`,
 * where `yPred` is `[N, ...spatial, C]` and `yTrue` is one-hot `[N, ...spatial, C]` or an
 * integer label map `[N, ...spatial]` / `[N, ...spatial, 1]`. Returns a scalar for reductions
 * `'mean'` and `'sum'`, a per-item tensor for `'none'`.
 */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * How per-item losses become the returned value: `'mean'` (default) and `'sum'` give a scalar;
 * `'none'` returns the per-item values (shape documented by each loss).
 */
export type LossReduction = 'mean' | 'sum' | 'none';

/** The reductions every loss accepts. */
export const LOSS_REDUCTIONS: readonly LossReduction[] = ['mean', 'sum', 'none'];

/**
 * When label-map targets are checked for values outside `[0, numClasses)` (a check that reads
 * two or three numbers back from the device once per call):
 * `'auto'` (default) checks on backends whose data lives in host memory (`cpu`, `wasm`,
 * `tensorflow`) and skips on GPU backends, where a synchronous read stalls the pipeline;
 * `true` always checks, `false` never does.
 */
export type LabelCheck = boolean | 'auto';
