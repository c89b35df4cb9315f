import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOptionsObject } from '../core/assert.js';
import { assertCommonOptions, named, reduceLoss, safePow } from './common.js';
import { overlapAxes, overlapInputs } from './overlap.js';
import type { LabelCheck, LossActivation, LossFunction, LossReduction } from './types.js';

/** Options of {@link tverskyLoss} (MONAI `TverskyLoss` names in brackets). */
export interface TverskyLossOptions {
  /** `'none'` (default; probabilities), `'sigmoid'` or `'softmax'` (logits). */
  activation?: LossActivation;
  /** Count channel 0 (`include_background`). Default true. */
  includeBackground?: boolean;
  /** Weight of false positives (`alpha`). Default 0.5; >= 0. */
  alpha?: number;
  /** Weight of false negatives (`beta`). Default 0.5; >= 0. */
  beta?: number;
  /** Sum over the batch first, one value per class (`batch`). Default false. */
  batch?: boolean;
  /** Added to the numerator (`smooth_nr`). Default 1e-5; >= 0. */
  smoothNumerator?: number;
  /** Added to the denominator (`smooth_dr`). Default 1e-5; > 0. */
  smoothDenominator?: number;
  /** Label whose voxels count nowhere. */
  ignoreIndex?: number;
  /** `'mean'` (default) or `'sum'` over all items, or `'none'`: `[N, C']` (`[C']` with `batch`). */
  reduction?: LossReduction;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
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

const TVERSKY_KEYS = [
  'activation',
  'includeBackground',
  'alpha',
  'beta',
  'batch',
  'smoothNumerator',
  'smoothDenominator',
  'ignoreIndex',
  'reduction',
  'checkLabels',
];

function validate(fn: string, options: FocalTverskyLossOptions | undefined, keys: string[]): void {
  assertOptionsObject(fn, options);
  if (options === undefined) return;
  assertKnownKeys(fn, options, keys);
  assertCommonOptions(fn, options);
  for (const key of ['includeBackground', 'batch'] as const) {
    if (options[key] !== undefined) assertBoolean(fn, `options.${key}`, options[key]);
  }
  for (const key of ['alpha', 'beta', 'smoothNumerator'] as const) {
    if (options[key] !== undefined) assertNumber(fn, `options.${key}`, options[key], { min: 0 });
  }
  if (options.smoothDenominator !== undefined) {
    assertNumber(fn, 'options.smoothDenominator', options.smoothDenominator, { min: 0, minExclusive: true });
  }
  if (options.gamma !== undefined) assertNumber(fn, 'options.gamma', options.gamma, { min: 0, minExclusive: true });
}

/** The per-item Tversky index `[N, C']` (`[C']` with batch). Call inside `tf.tidy`. */
function tverskyIndex(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: Required<Omit<TverskyLossOptions, 'ignoreIndex' | 'checkLabels' | 'reduction'>> &
    Pick<TverskyLossOptions, 'ignoreIndex' | 'checkLabels'>,
): tf.Tensor {
  const { activation, includeBackground, ignoreIndex, checkLabels, batch, alpha, beta } = options;
  const { p, g } = overlapInputs(fn, yTrue, yPred, { activation, includeBackground, ignoreIndex, checkLabels });
  const axes = overlapAxes(batch);
  const tp = tf.sum(tf.mul(p, g), axes);
  const fp = tf.sum(tf.mul(p, tf.sub(1, g)), axes);
  const fnSum = tf.sum(tf.mul(tf.sub(1, p), g), axes);
  const denominator = tf.add(tf.add(tp, tf.add(tf.mul(alpha, fp), tf.mul(beta, fnSum))), options.smoothDenominator);
  return tf.div(tf.add(tp, options.smoothNumerator), denominator);
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
  validate(fn, options, TVERSKY_KEYS);
  const {
    activation = 'none',
    includeBackground = true,
    alpha = 0.5,
    beta = 0.5,
    batch = false,
    smoothNumerator = 1e-5,
    smoothDenominator = 1e-5,
    ignoreIndex,
    reduction = 'mean',
    checkLabels,
  } = options ?? {};
  const settings = { activation, includeBackground, alpha, beta, batch, smoothNumerator, smoothDenominator, ignoreIndex, checkLabels };
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => reduceLoss(tf.sub(1, tverskyIndex(fn, yTrue, yPred, settings)), reduction)),
  );
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
  validate(fn, options, [...TVERSKY_KEYS, 'gamma']);
  const {
    activation = 'none',
    includeBackground = true,
    alpha = 0.3,
    beta = 0.7,
    gamma = 0.75,
    batch = false,
    smoothNumerator = 1e-5,
    smoothDenominator = 1e-5,
    ignoreIndex,
    reduction = 'mean',
    checkLabels,
  } = options ?? {};
  const settings = { activation, includeBackground, alpha, beta, batch, smoothNumerator, smoothDenominator, ignoreIndex, checkLabels };
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const ti = tverskyIndex(fn, yTrue, yPred, settings);
      return reduceLoss(safePow(tf.sub(1, ti), gamma), reduction);
    }),
  );
}
