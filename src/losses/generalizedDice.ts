import * as tf from '@tensorflow/tfjs-core';
import { assertOptions } from '../core/assert.js';
import { oneOf } from './checks.js';
import { named, reduceLoss } from './common.js';
import { overlapAxes, overlapChecks, overlapInputs, overlapIntersection, SMOOTH, type OverlapLossOptions } from './overlap.js';
import type { LossFunction, LossReduction } from './types.js';

/** How generalized Dice turns a class's ground-truth volume G into its weight (MONAI `w_type`). */
export type GeneralizedDiceWeight = 'square' | 'simple' | 'uniform';

/** Options of {@link generalizedDiceLoss} (MONAI `GeneralizedDiceLoss` names in brackets; the shared ones in {@link OverlapLossOptions}). */
export interface GeneralizedDiceLossOptions extends OverlapLossOptions {
  /** `'square'` (default): w = 1 / G^2; `'simple'`: 1 / G; `'uniform'`: 1 (`w_type`). */
  weightType?: GeneralizedDiceWeight;
  /** Sum over the batch first, one value for the batch (`batch`). Default false. */
  batch?: boolean;
  /** `'mean'` (default), `'sum'`, or `'none'`: `[N]` (`[1]` with `batch`). */
  reduction?: LossReduction;
}

const CHECKS = overlapChecks({ weightType: oneOf(['square', 'simple', 'uniform']) });

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
  assertOptions(fn, options, CHECKS);
  const {
    weightType = 'square',
    batch = false,
    smoothNumerator = SMOOTH,
    smoothDenominator = SMOOTH,
    softLabel = false,
    reduction = 'mean',
  } = options ?? {};
  const inputs = overlapInputs(fn, options ?? {});

  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { p, g } = inputs(yTrue, yPred);
      const axes = overlapAxes(batch);
      const intersection = overlapIntersection(p, g, axes, softLabel);
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
