import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject } from '../core/assert.js';
import { assertCommonOptions, named, reduceLoss } from './common.js';
import { overlapAxes, overlapInputs } from './overlap.js';
import type { LabelCheck, LossActivation, LossFunction, LossReduction } from './types.js';

/** How generalized Dice turns a class's ground-truth volume G into its weight (MONAI `w_type`). */
export type GeneralizedDiceWeight = 'square' | 'simple' | 'uniform';

/** Options of {@link generalizedDiceLoss} (MONAI `GeneralizedDiceLoss` names in brackets). */
export interface GeneralizedDiceLossOptions {
  /** `'none'` (default; probabilities), `'sigmoid'` or `'softmax'` (logits). */
  activation?: LossActivation;
  /** Count channel 0 (`include_background`). Default true. */
  includeBackground?: boolean;
  /** `'square'` (default): w = 1 / G^2; `'simple'`: 1 / G; `'uniform'`: 1 (`w_type`). */
  weightType?: GeneralizedDiceWeight;
  /** Sum over the batch first, one value for the batch (`batch`). Default false. */
  batch?: boolean;
  /** Added to the numerator (`smooth_nr`). Default 1e-5; >= 0. */
  smoothNumerator?: number;
  /** Added to the denominator (`smooth_dr`). Default 1e-5; > 0. */
  smoothDenominator?: number;
  /** Label whose voxels count nowhere. */
  ignoreIndex?: number;
  /** `'mean'` (default), `'sum'`, or `'none'`: `[N]` (`[1]` with `batch`). */
  reduction?: LossReduction;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

const KEYS = [
  'activation',
  'includeBackground',
  'weightType',
  'batch',
  'smoothNumerator',
  'smoothDenominator',
  'ignoreIndex',
  'reduction',
  'checkLabels',
];

/**
 * Generalized Dice loss (Sudre et al. 2017), MONAI `GeneralizedDiceLoss` semantics: per sample
 * (or for the whole batch with `batch`), with per-class sums `I_c = sum(p * g)`,
 * `G_c = sum(g)`, `P_c = sum(p)` over the spatial axes and class weights `w_c = 1 / G_c^2`
 * (`'square'`), `1 / G_c` (`'simple'`) or 1 (`'uniform'`),
 *
 * `loss = 1 - (2 * sum_c(w_c * I_c) + smoothNumerator) / (sum_c(w_c * (G_c + P_c)) + smoothDenominator)`.
 *
 * A class absent from the ground truth has an infinite weight; as MONAI does, it is replaced
 * by the largest finite weight of the same sample (of the batch with `batch`), so absent
 * classes still penalise false positives. Weights come from the target only and carry no
 * gradient. Perfect prediction gives 0.
 *
 * @example
 * ```ts
 * const loss = generalizedDiceLoss({ activation: 'softmax' })(labelMap, logits);
 * ```
 */
export function generalizedDiceLoss(options?: GeneralizedDiceLossOptions): LossFunction {
  const fn = 'generalizedDiceLoss';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const {
    activation = 'none',
    includeBackground = true,
    weightType = 'square',
    batch = false,
    smoothNumerator = 1e-5,
    smoothDenominator = 1e-5,
    ignoreIndex,
    reduction = 'mean',
    checkLabels,
  } = options ?? {};
  assertCommonOptions(fn, { activation, reduction, ignoreIndex, checkLabels });
  assertBoolean(fn, 'options.includeBackground', includeBackground);
  assertBoolean(fn, 'options.batch', batch);
  assertOneOf(fn, 'options.weightType', weightType, ['square', 'simple', 'uniform']);
  assertNumber(fn, 'options.smoothNumerator', smoothNumerator, { min: 0 });
  assertNumber(fn, 'options.smoothDenominator', smoothDenominator, { min: 0, minExclusive: true });

  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { p, g } = overlapInputs(fn, yTrue, yPred, { activation, includeBackground, ignoreIndex, checkLabels });
      const axes = overlapAxes(batch);
      const intersection = tf.sum(tf.mul(p, g), axes);
      const groundO = tf.sum(g, axes);
      const predO = tf.sum(p, axes);
      const rawWeights =
        weightType === 'square'
          ? tf.reciprocal(tf.square(groundO))
          : weightType === 'simple'
            ? tf.reciprocal(groundO)
            : tf.onesLike(groundO);
      const infinite = tf.isInf(rawWeights);
      const finite = tf.where(infinite, tf.zerosLike(rawWeights), rawWeights);
      const largest = batch ? tf.max(finite) : tf.max(finite, -1, true);
      const weights = tf.where(infinite, tf.broadcastTo(largest, finite.shape), finite);
      const classAxis = batch ? 0 : 1;
      const numerator = tf.add(tf.mul(2, tf.sum(tf.mul(intersection, weights), classAxis)), smoothNumerator);
      const denominator = tf.add(tf.sum(tf.mul(tf.add(groundO, predO), weights), classAxis), smoothDenominator);
      const f = tf.sub(1, tf.div(numerator, denominator));
      return reduceLoss(batch ? tf.reshape(f, [1]) : f, reduction);
    }),
  );
}
