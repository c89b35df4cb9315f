import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertOptions } from '../core/assert.js';
import { isClassWeights } from './checks.js';
import { named, reduceLoss, resolveClassWeights } from './common.js';
import { maskAbsentClasses, overlapAxes, overlapChecks, overlapInputs, overlapIntersection, SMOOTH, SMP_OVERLAP_CHECKS, smoothedRatio } from './overlap.js';
import type { OverlapLossOptions, SmpOverlapOptions } from './overlap.js';
import type { LossFunction, LossReduction } from './types.js';

/** Options of {@link diceLoss} (MONAI `DiceLoss` names in brackets; the shared ones in {@link OverlapLossOptions}). */
export interface DiceLossOptions extends OverlapLossOptions, SmpOverlapOptions {
  /** Square prediction and target in the denominator (`squared_pred`, V-Net). Default false. */
  squared?: boolean;
  /** Soft Jaccard (IoU) instead of Dice (`jaccard`). Default false. */
  jaccard?: boolean;
  /** Sum over the whole batch before dividing, one value per class (`batch`). Default false. */
  batch?: boolean;
  /**
   * Multiplies each class's loss before the reduction (`weight`): one number, or one entry per
   * counted class (C, or C - 1 without background; C entries are also accepted then, the first
   * dropped). Values >= 0.
   */
  classWeights?: number | number[];
  /** `'mean'` (default) or `'sum'` over all items, or `'none'`: `[N, C']` (`[C']` with `batch`). */
  reduction?: LossReduction;
}

/** @internal The option checks of {@link diceLoss}, in its documented order (shared by the combined losses). */
export const DICE_CHECKS = overlapChecks({ squared: assertBoolean, jaccard: assertBoolean }, { ...SMP_OVERLAP_CHECKS, classWeights: isClassWeights });

/** @internal The Dice loss body, named `fn` in its errors; `options` are already checked. */
export function makeDiceLoss(fn: string, options: DiceLossOptions = {}): LossFunction {
  const {
    squared = false,
    jaccard = false,
    batch = false,
    smoothNumerator = SMOOTH,
    smoothDenominator = SMOOTH,
    softLabel = false,
    denominatorFloor = 0,
    zeroAbsentClasses = false,
    reduction = 'mean',
    classWeights,
  } = options;
  const inputs = overlapInputs(fn, options);
  // A copy: editing the caller's array later must not change the loss.
  const classWeightList = Array.isArray(classWeights) ? [...classWeights] : classWeights;
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { p, g, numClasses } = inputs(yTrue, yPred);
      const axes = overlapAxes(batch);
      const intersection = overlapIntersection(p, g, axes, softLabel);
      const groundO = tf.sum(squared ? tf.square(g) : g, axes);
      const predO = tf.sum(squared ? tf.square(p) : p, axes);
      let denominator = tf.add(groundO, predO);
      if (jaccard) denominator = tf.mul(2, tf.sub(denominator, intersection));
      let f = tf.sub(1, smoothedRatio(tf.mul(2, intersection), denominator, smoothNumerator, smoothDenominator, denominatorFloor));
      f = maskAbsentClasses(f, g, axes, zeroAbsentClasses);
      const counted = p.shape[2];
      const w = resolveClassWeights(fn, 'options.classWeights', classWeightList, counted, counted < numClasses);
      if (w !== null) f = tf.mul(f, w);
      return reduceLoss(f, reduction);
    }),
  );
}

/**
 * Soft Dice loss, MONAI `DiceLoss` semantics (Milletari et al. 2016, V-Net): per sample and
 * class (or per class over the batch with `batch`),
 *
 * `loss = 1 - (2 * sum(p * g) + smoothNumerator) / (sum(g) + sum(p) + smoothDenominator)`
 *
 * with `sum(g^2) + sum(p^2)` in the denominator when `squared`, and `2 * (sum(g) + sum(p) -
 * sum(p * g))` when `jaccard` (soft IoU). Sums run over all spatial axes (1 .. rank-2), so any
 * rank works. Class weights multiply each class's value, then `'mean'` averages over samples and
 * classes (as MONAI: a plain mean of the weighted values).
 *
 * Shapes: `yPred` `[N, ...spatial, C]`; `yTrue` one-hot `[N, ...spatial, C]` or an integer label
 * map `[N, ...spatial]` / `[N, ...spatial, 1]`. An empty class scores 0 loss when also predicted
 * empty (`smoothNumerator / smoothDenominator` = 1). Perfect prediction gives 0.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: diceLoss({ activation: 'softmax', includeBackground: false }) });
 * const loss = diceLoss()(yTrueOneHot, yProb); // tf.Scalar
 * ```
 */
export function diceLoss(options?: DiceLossOptions): LossFunction {
  assertOptions('diceLoss', options, DICE_CHECKS);
  return makeDiceLoss('diceLoss', options);
}

/** Options of {@link jaccardLoss}: those of {@link diceLoss} except `jaccard`. */
export type JaccardLossOptions = Omit<DiceLossOptions, 'jaccard'>;

/**
 * Soft Jaccard (IoU) loss, MONAI `DiceLoss(jaccard=True)`: per sample and class
 *
 * `loss = 1 - (2 * sum(p * g) + smoothNumerator) / (2 * (sum(g) + sum(p) - sum(p * g)) + smoothDenominator)`,
 *
 * i.e. `1 - IoU` with half-weighted smoothing. All other options as {@link diceLoss}.
 *
 * @example
 * ```ts
 * const loss = jaccardLoss({ activation: 'sigmoid' })(yTrue, logits);
 * ```
 */
export function jaccardLoss(options?: JaccardLossOptions): LossFunction {
  const { jaccard: _jaccard, ...checks } = DICE_CHECKS;
  assertOptions('jaccardLoss', options, checks);
  return makeDiceLoss('jaccardLoss', { ...options, jaccard: true });
}
