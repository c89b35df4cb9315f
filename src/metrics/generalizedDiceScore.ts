import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertFinite } from '../ops/assertFinite.js';
import { isTensor } from '../ops/isTensor.js';
import { MONAI_REDUCTIONS, monaiReduceTensor, type MonaiReduction } from './monaiReduction.js';

/** How a class's target volume G becomes its weight: `'square'` 1 / G^2, `'simple'` 1 / G, `'uniform'` 1. */
export type GeneralizedDiceScoreWeight = 'square' | 'simple' | 'uniform';

/** Options of {@link generalizedDiceScore} (MONAI `GeneralizedDiceScore` names in brackets). */
export interface GeneralizedDiceScoreOptions {
  /** Count channel 0 (`include_background`). Default true. */
  includeBackground?: boolean;
  /** Class weight from the target volume (`weight_type`). Default `'square'`. */
  weightType?: GeneralizedDiceScoreWeight;
  /**
   * MONAI's reductions (see {@link MonaiReduction}) of the per sample (and class) scores.
   * Default `'mean'` (MONAI 1.5).
   */
  reduction?: MonaiReduction;
  /**
   * Sum the weighted numerator and denominator over the classes, one score per sample
   * (`sum_over_classes`). Default as MONAI: true for `'mean'`, `'sum'`, `'mean_channel'`,
   * `'sum_channel'`, false for the others.
   */
  sumOverClasses?: boolean;
}

const SUMMED: readonly MonaiReduction[] = ['mean', 'sum', 'mean_channel', 'sum_channel'];

/**
 * Generalized Dice score (Sudre et al. 2017) of binarized one-hot masks, MONAI's
 * `GeneralizedDiceScore` / `compute_generalized_dice`: per sample and class, over the spatial
 * axes, `I = sum(g * p)`, `D = sum(g) + sum(p)`, weight `w = 1 / sum(g)^2` (`'square'`),
 * `1 / sum(g)` (`'simple'`) or 1; a class absent from a sample's target (infinite weight) takes
 * the largest finite weight of that sample. The score is `2 w I / (w D)` per class, or
 * `2 sum_c(w I) / sum_c(w D)` per sample with `sumOverClasses`; where the denominator is 0 it is
 * 1 if nothing is predicted, else 0. Then MONAI's `reduction`.
 *
 * Shapes: `pred` and `target` binary `[N, ...spatial, C]` (one-hot; threshold or argmax first).
 * Returns a tensor: a scalar for `'mean'` / `'sum'`, `[N]`, `[C']` or `[N, C']` (`[N, 1]` when
 * summed) for the others. Nothing passed in is disposed.
 *
 * @example
 * ```ts
 * const gds = generalizedDiceScore(tf.oneHot(predLabels, 3), tf.oneHot(labels, 3)); // tf.Scalar
 * ```
 */
export function generalizedDiceScore(pred: tf.Tensor, target: tf.Tensor, options: GeneralizedDiceScoreOptions = {}): tf.Tensor {
  const fn = 'generalizedDiceScore';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['includeBackground', 'weightType', 'reduction', 'sumOverClasses']);
  const { includeBackground = true, weightType = 'square', reduction = 'mean' } = options;
  assertBoolean(fn, 'options.includeBackground', includeBackground);
  assertOneOf(fn, 'options.weightType', weightType, ['square', 'simple', 'uniform']);
  assertOneOf(fn, 'options.reduction', reduction, MONAI_REDUCTIONS);
  const sumOverClasses = options.sumOverClasses ?? SUMMED.includes(reduction);
  assertBoolean(fn, 'options.sumOverClasses', sumOverClasses);
  if (!isTensor(pred)) fail(fn, 'pred', pred, 'a tf.Tensor [N, ...spatial, C]');
  if (!isTensor(target)) fail(fn, 'target', target, 'a tf.Tensor [N, ...spatial, C]');
  if (pred.rank < 3 || String(pred.shape) !== String(target.shape)) {
    throw new UnetKitError(
      fn,
      'pred and target',
      `have shapes ${formatValue(pred.shape)} and ${formatValue(target.shape)}; expected one shape [N, ...spatial, C] of rank >= 3.`,
    );
  }
  // A NaN voxel would make its class's sums, and so the score, NaN.
  assertFinite(fn, 'pred', pred);
  assertFinite(fn, 'target', target);
  const c = pred.shape.at(-1)!;
  if (!includeBackground && c < 2) {
    throw new UnetKitError(fn, 'options.includeBackground', 'is false but the masks have 1 channel; there is no background channel to drop.');
  }
  return tf.tidy(() => {
    const n = pred.shape[0]!;
    const layout: [number, number, number] = [n, -1, c];
    let p = tf.reshape(tf.cast(pred, 'float32'), layout) as tf.Tensor3D;
    let g = tf.reshape(tf.cast(target, 'float32'), layout) as tf.Tensor3D;
    if (!includeBackground) {
      p = tf.slice(p, [0, 0, 1], [-1, -1, c - 1]);
      g = tf.slice(g, [0, 0, 1], [-1, -1, c - 1]);
    }
    const intersection = tf.sum(tf.mul(p, g), 1);
    const groundO = tf.sum(g, 1);
    let predO: tf.Tensor = tf.sum(p, 1);
    const raw = weightType === 'square' ? tf.reciprocal(tf.square(groundO)) : weightType === 'simple' ? tf.reciprocal(groundO) : tf.onesLike(groundO);
    const infinite = tf.isInf(raw);
    const finite = tf.where(infinite, tf.zerosLike(raw), raw);
    const w = tf.where(infinite, tf.broadcastTo(tf.max(finite, 1, true), finite.shape), finite);
    let numerator: tf.Tensor = tf.mul(2, tf.mul(intersection, w));
    let denominator: tf.Tensor = tf.mul(tf.add(groundO, predO), w);
    if (sumOverClasses) {
      numerator = tf.sum(numerator, 1, true);
      denominator = tf.sum(denominator, 1, true);
      predO = tf.sum(predO, 1, true);
    }
    const zero = tf.equal(denominator, 0);
    const empty = tf.where(tf.equal(predO, 0), tf.onesLike(predO), tf.zerosLike(predO));
    const score = tf.where(zero, empty, tf.div(numerator, tf.where(zero, tf.onesLike(denominator), denominator)));
    return monaiReduceTensor(score, reduction);
  });
}
