import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, type OptionCheck } from '../core/assert.js';
import type { OutputActivation } from '../core/outputActivation.js';
import { isActivation, isLabelCheck, isReduction, numberIn } from './checks.js';
import { activate, dropBackground } from './common.js';
import { preparePair } from './targets.js';
import type { LabelCheck } from './types.js';

/**
 * The options Dice, Jaccard, Tversky and generalized Dice share (MONAI names in brackets); each
 * loss's options extend it with `batch`, `reduction` (whose `'none'` shape differs per loss) and
 * their own settings. Defaults are filled in where each loss reads its options.
 */
export interface OverlapLossOptions {
  /** Applied to yPred first: `'none'` (default; probabilities), `'sigmoid'` or `'softmax'` (logits). */
  activation?: OutputActivation;
  /** Count channel 0 (`include_background`). Default true; false needs C >= 2. */
  includeBackground?: boolean;
  /** Added to the numerator (`smooth_nr`). Default 1e-5; >= 0. */
  smoothNumerator?: number;
  /**
   * Added to the denominator (`smooth_dr`). Default 1e-5; >= 0. With 0 (allowed, as MONAI) a
   * class empty in both prediction and target gives 0 / 0 = NaN unless `denominatorFloor` (Dice,
   * Jaccard, Tversky) is set.
   */
  smoothDenominator?: number;
  /**
   * Soft targets (`soft_label`): the intersection in its L1 form `(sum|p| + sum|g| - sum|p - g|) / 2`,
   * which is `sum(p * g)` for binary targets and stays correct for soft ones (a soft target's
   * loss is then 0 exactly at p = g). Default false.
   */
  softLabel?: boolean;
  /** Label whose voxels count nowhere (zeroed in prediction and target, as in SMP). */
  ignoreIndex?: number;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/** MONAI's default of both smoothing terms (`smooth_nr`, `smooth_dr`). */
export const SMOOTH = 1e-5;

/**
 * The option checks of an overlap loss, in its documented order: `activation`,
 * `includeBackground`, the loss's own `before` checks, `batch`, the smoothing terms, its `after`
 * checks, then `ignoreIndex`, `reduction`, `checkLabels`.
 */
export function overlapChecks(
  before: Record<string, OptionCheck>,
  after: Record<string, OptionCheck> = {},
): Record<string, OptionCheck> {
  return {
    activation: isActivation,
    includeBackground: assertBoolean,
    ...before,
    batch: assertBoolean,
    smoothNumerator: numberIn({ min: 0 }),
    smoothDenominator: numberIn({ min: 0 }),
    softLabel: assertBoolean,
    ...after,
    ignoreIndex: numberIn({ integer: true }),
    reduction: isReduction,
    checkLabels: isLabelCheck,
  };
}

/** Activated prediction and target, masked and without background where asked: `[N, V, C']`. */
export interface OverlapInputs {
  p: tf.Tensor3D;
  g: tf.Tensor3D;
  /** C, the number of prediction channels before dropping the background (C' < C when dropped). */
  numClasses: number;
}

/**
 * The common front of Dice, Jaccard, Tversky and generalized Dice, in MONAI's order: activation
 * on the whole prediction, then the ignore mask (as in SMP: both prediction and target are
 * zeroed where the label is `ignoreIndex`, so those voxels add to no sum; {@link preparePair}
 * zeroes the target), then dropping channel 0. Reads `options` now, so later edits of the
 * caller's object do not change the loss; call the returned function inside `tf.tidy`.
 */
export function overlapInputs(fn: string, options: OverlapLossOptions): (yTrue: tf.Tensor, yPred: tf.Tensor) => OverlapInputs {
  const { activation, includeBackground = true, ignoreIndex, checkLabels } = options;
  return (yTrue, yPred) => {
    const { pred, target, mask, numClasses } = preparePair(fn, yTrue, yPred, { ignoreIndex, checkLabels });
    const activated = activate(fn, pred, activation);
    const masked = mask === null ? activated : tf.mul<tf.Tensor3D>(activated, mask);
    const [p, g] = dropBackground(fn, includeBackground, masked, target) as [tf.Tensor3D, tf.Tensor3D];
    return { p, g, numClasses };
  };
}

/** Axes to sum for per-sample-and-class values (`[N, C']`) or, with `batch`, per class (`[C']`). */
export function overlapAxes(batch: boolean): number[] {
  return batch ? [0, 1] : [1];
}

/**
 * The intersection `sum(p * g)` over `axes`, or with `softLabel` its L1 form
 * `(sum|p| + sum|g| - sum|p - g|) / 2` (MONAI's `compute_tp_fp_fn` with `soft_label`).
 */
export function overlapIntersection(p: tf.Tensor3D, g: tf.Tensor3D, axes: number[], softLabel: boolean): tf.Tensor {
  if (!softLabel) return tf.sum(tf.mul(p, g), axes);
  const l1 = (t: tf.Tensor) => tf.sum(tf.abs(t), axes);
  return tf.div(tf.sub(tf.add(l1(p), l1(g)), l1(tf.sub(p, g))), 2);
}

/** SMP's options of Dice, Jaccard and Tversky (segmentation_models_pytorch `soft_dice_score` and its losses). */
export interface SmpOverlapOptions {
  /**
   * Lower bound of the smoothed denominator (SMP's `clamp_min(eps)`): `ratio = (numerator +
   * smoothNumerator) / max(denominator + smoothDenominator, denominatorFloor)`. Default 0 (none);
   * >= 0. SMP's form is `smoothNumerator: 0, smoothDenominator: 0, denominatorFloor: 1e-7`.
   */
  denominatorFloor?: number;
  /**
   * A class whose target is empty over the summed axes (the sample, or the batch with `batch`)
   * contributes loss 0, as SMP masks it; it still counts in the mean. Default false (MONAI:
   * such a class scores by the smoothing terms).
   */
  zeroAbsentClasses?: boolean;
}

/** The option checks of {@link SmpOverlapOptions}. */
export const SMP_OVERLAP_CHECKS: Record<string, OptionCheck> = {
  denominatorFloor: numberIn({ min: 0 }),
  zeroAbsentClasses: assertBoolean,
};

/** `(numerator + smoothNumerator) / max(denominator + smoothDenominator, floor)`. */
export function smoothedRatio(numerator: tf.Tensor, denominator: tf.Tensor, smoothNumerator: number, smoothDenominator: number, floor: number): tf.Tensor {
  const smoothed = tf.add(denominator, smoothDenominator);
  return tf.div(tf.add(numerator, smoothNumerator), floor > 0 ? tf.maximum(smoothed, floor) : smoothed);
}

/** Zeroes `loss` (shaped like the per-class sums) where the target sums to 0 over `axes`, when `zero` is set. */
export function maskAbsentClasses(loss: tf.Tensor, g: tf.Tensor3D, axes: number[], zero: boolean): tf.Tensor {
  if (!zero) return loss;
  return tf.mul(loss, tf.cast(tf.greater(tf.sum(g, axes), 0), 'float32'));
}
