import * as tf from '@tensorflow/tfjs-core';
import { assertOptions } from '../core/assert.js';
import { numberIn } from './checks.js';
import { named, reduceLoss, safePow } from './common.js';
import { maskAbsentClasses, overlapAxes, overlapChecks, overlapInputs, overlapIntersection, SMOOTH, SMP_OVERLAP_CHECKS, smoothedRatio } from './overlap.js';
import type { OverlapLossOptions, SmpOverlapOptions } from './overlap.js';
import type { LossFunction, LossReduction } from './types.js';

/** Options of {@link tverskyLoss} (MONAI `TverskyLoss` names in brackets; the shared ones in {@link OverlapLossOptions}). */
export interface TverskyLossOptions extends OverlapLossOptions, SmpOverlapOptions {
  /** Weight of false positives (`alpha`). Default 0.5; >= 0. */
  alpha?: number;
  /** Weight of false negatives (`beta`). Default 0.5; >= 0. */
  beta?: number;
  /** Sum over the batch first, one value per class (`batch`). Default false. */
  batch?: boolean;
  /** `'mean'` (default) or `'sum'` over all items, or `'none'`: `[N, C']` (`[C']` with `batch`). */
  reduction?: LossReduction;
}

/** Options of {@link focalTverskyLoss}: those of {@link tverskyLoss} plus the exponent. */
export interface FocalTverskyLossOptions extends TverskyLossOptions {
  /**
   * Exponent applied to `1 - TI` (used as written, not inverted): default 0.75, i.e. the
   * paper's best gamma = 4/3 in its `(1 - TI)^(1/gamma)` form. > 0; values < 1 emphasise
   * the hard, badly segmented classes.
   */
  gamma?: number;
}

const TVERSKY_CHECKS = overlapChecks({ alpha: numberIn({ min: 0 }), beta: numberIn({ min: 0 }) }, SMP_OVERLAP_CHECKS);

/**
 * The per-item Tversky index `[N, C']` (`[C']` with batch) as a function of the inputs, with
 * `options` read now. Call the returned function inside `tf.tidy`.
 */
function tverskyIndex(fn: string, options: TverskyLossOptions, alpha: number, beta: number): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const {
    batch = false,
    smoothNumerator = SMOOTH,
    smoothDenominator = SMOOTH,
    softLabel = false,
    denominatorFloor = 0,
    zeroAbsentClasses = false,
  } = options;
  const inputs = overlapInputs(fn, options);
  return (yTrue, yPred) => {
    const { p, g } = inputs(yTrue, yPred);
    const axes = overlapAxes(batch);
    const tp = overlapIntersection(p, g, axes, softLabel);
    // fp = sum(p) - tp and fn = sum(g) - tp: sum(p (1 - g)) and sum((1 - p) g) for hard targets.
    const fp = tf.sub(tf.sum(p, axes), tp);
    const fnSum = tf.sub(tf.sum(g, axes), tp);
    const denominator = tf.add(tp, tf.add(tf.mul(alpha, fp), tf.mul(beta, fnSum)));
    const index = smoothedRatio(tp, denominator, smoothNumerator, smoothDenominator, denominatorFloor);
    // An absent class's index becomes 1 (loss 0), as SMP masks its loss.
    return zeroAbsentClasses ? tf.sub(1, maskAbsentClasses(tf.sub(1, index), g, axes, true)) : index;
  };
}

/**
 * Tversky loss (Salehi et al. 2017), MONAI `TverskyLoss` / SMP convention: per sample and
 * class, with `TP = sum(p * g)`, `FP = sum(p * (1 - g))`, `FN = sum((1 - p) * g)` over the
 * spatial axes,
 *
 * `TI = (TP + smoothNumerator) / (TP + alpha * FP + beta * FN + smoothDenominator)`, `loss = 1 - TI`.
 *
 * `alpha` weights false positives and `beta` false negatives; 0.5 / 0.5 is Dice. Raise `beta` to
 * favour recall on small structures. Perfect prediction gives 0.
 *
 * @example
 * ```ts
 * const loss = tverskyLoss({ activation: 'softmax', alpha: 0.3, beta: 0.7 });
 * model.compile({ optimizer: 'adam', loss });
 * ```
 */
export function tverskyLoss(options?: TverskyLossOptions): LossFunction {
  const fn = 'tverskyLoss';
  assertOptions(fn, options, TVERSKY_CHECKS);
  const { alpha = 0.5, beta = 0.5, reduction = 'mean' } = options ?? {};
  const index = tverskyIndex(fn, options ?? {}, alpha, beta);
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.tidy(() => reduceLoss(tf.sub(1, index(yTrue, yPred)), reduction)));
}

/**
 * Focal Tversky loss (Abraham & Khan 2019), per sample and class:
 *
 * `loss = (1 - TI) ^ gamma`, TI the Tversky index of {@link tverskyLoss}.
 *
 * Exponent convention, stated explicitly: `gamma` is the exponent itself. The paper writes
 * `(1 - TI)^(1/gamma)` with gamma in [1, 3] and reports gamma = 4/3 best; the default here,
 * 0.75, is that same setting. Defaults follow the paper too: `alpha = 0.3` (false positives)
 * and `beta = 0.7` (false negatives), the paper's alpha = 0.7 on FN in MONAI's naming.
 *
 * `1 - TI` is floored at 1e-12 before the power, so a perfect prediction gives `1e-12^gamma`
 * (1e-9 for 0.75, the documented minimum) with a finite (zero) gradient instead of the
 * infinite slope of a fractional power at 0.
 *
 * @example
 * ```ts
 * const loss = focalTverskyLoss({ activation: 'sigmoid' })(mask, logits);
 * ```
 */
export function focalTverskyLoss(options?: FocalTverskyLossOptions): LossFunction {
  const fn = 'focalTverskyLoss';
  assertOptions(fn, options, { ...TVERSKY_CHECKS, gamma: numberIn({ min: 0, minExclusive: true }) });
  const { alpha = 0.3, beta = 0.7, gamma = 0.75, reduction = 'mean' } = options ?? {};
  const index = tverskyIndex(fn, options ?? {}, alpha, beta);
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => reduceLoss(safePow(tf.sub(1, index(yTrue, yPred)), gamma), reduction)),
  );
}
