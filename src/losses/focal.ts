import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertNumber, assertOptions, fail, type OptionCheck } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isLabelCheck, isReduction, numberIn, pickChecks } from './checks.js';
import { named, PROB_EPSILON, safePow } from './common.js';
import { isProbabilityMode, resolveMode } from './crossEntropy.js';
import { binaryLogTerms, maskedMean, multiclassLogProbs, type ProbabilityMode } from './probabilities.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossFunction, LossReduction } from './types.js';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions {
  /** Focusing exponent gamma; 0 gives cross-entropy. Default 2; >= 0. */
  gamma?: number;
  /**
   * Class balance. `'binary'`: a number in [0, 1] weights positives by alpha and negatives by
   * 1 - alpha (Lin et al.; 0.25 in the paper), or one such number per channel. `'multiclass'`:
   * a number gives `[1 - alpha, alpha, ..., alpha]` (background first, as MONAI), an array one
   * weight >= 0 per class. Default: none.
   */
  alpha?: number | number[];
  /** `'binary'` (sigmoid per channel) or `'multiclass'` (softmax). Default from C: 1 -> binary. */
  mode?: ProbabilityMode;
  /** yPred holds logits (default true) or probabilities. */
  fromLogits?: boolean;
  /** Label whose voxels count nowhere. */
  ignoreIndex?: number;
  /** `'mean'` (default) over counted voxels, `'sum'`, or `'none'`: per-sample means `[N]`. */
  reduction?: LossReduction;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/** @internal The option checks of {@link focalLoss}, in its documented order. */
export const FOCAL_CHECKS: Record<string, OptionCheck> = {
  gamma: numberIn({ min: 0 }),
  alpha: (fn, argument, alpha) => {
    if (typeof alpha === 'number') return assertNumber(fn, argument, alpha, { min: 0, max: 1 });
    if (!Array.isArray(alpha) || alpha.length === 0 || alpha.some((a) => typeof a !== 'number' || !Number.isFinite(a) || a < 0)) {
      fail(fn, argument, alpha, 'a number in [0, 1] or an array of numbers >= 0, one per class');
    }
  },
  mode: isProbabilityMode,
  fromLogits: assertBoolean,
  ignoreIndex: assertInteger,
  reduction: isReduction,
  checkLabels: isLabelCheck,
};

/** @internal Validates focal options for `fn`, or only those named in `keys`. */
export function assertFocalOptions(fn: string, options: FocalLossOptions | undefined, keys?: string[]): void {
  assertOptions(fn, options, keys === undefined ? FOCAL_CHECKS : pickChecks(FOCAL_CHECKS, keys));
}

function alphaVector(fn: string, alpha: number | number[], numClasses: number, mode: ProbabilityMode): tf.Tensor1D {
  if (typeof alpha === 'number') {
    if (mode === 'binary') return tf.fill([numClasses], alpha) as tf.Tensor1D;
    return tf.tensor1d([1 - alpha, ...new Array<number>(numClasses - 1).fill(alpha)]);
  }
  if (alpha.length !== numClasses) {
    throw new UnetKitError(
      fn,
      'options.alpha',
      `has ${alpha.length} entries (${formatValue(alpha)}) but yPred has ${numClasses} channels; expected ${numClasses} entries or one number.`,
    );
  }
  if (mode === 'binary' && alpha.some((a) => a > 1)) {
    fail(fn, 'options.alpha', alpha, "numbers in [0, 1] in 'binary' mode (alpha weights positives, 1 - alpha negatives)");
  }
  return tf.tensor1d(alpha);
}

/**
 * Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection"), binary and
 * multi-class, numerically stable from logits.
 *
 * - `'binary'` (MONAI `FocalLoss`, sigmoid): per element
 *   `l = alpha_t * (1 - p_t)^gamma * BCE(x, t)`, `alpha_t = alpha * t + (1 - alpha) * (1 - t)`;
 *   from logits `(1 - p_t)^gamma = exp(-gamma * softplus(x * (2t - 1)))` and BCE as in
 *   {@link crossEntropyLoss}, so no probability is ever formed; `'mean'` averages over elements
 *   (voxels x channels) like MONAI.
 * - `'multiclass'` (softmax): per voxel `l = -sum_c alpha_c * (1 - p_c)^gamma * t_c * log p_c`
 *   with `log p = logSoftmax(x)`; `'mean'` averages over voxels. This is Lin et al.'s per-voxel
 *   sum over classes, so gamma = 0 without alpha equals {@link crossEntropyLoss}; MONAI's
 *   `use_softmax` mean also divides by C.
 *
 * From probabilities, p is clipped to [1e-7, 1 - 1e-7]; for gamma < 1 the base `1 - p_t` is
 * floored at 1e-12, so predictions of exactly 0 or 1 give finite gradients.
 *
 * @example
 * ```ts
 * const loss = focalLoss({ gamma: 2, alpha: 0.25 })(mask, logits); // logits [N, H, W, 1]
 * ```
 */
export function focalLoss(options?: FocalLossOptions): LossFunction {
  assertFocalOptions('focalLoss', options);
  return makeFocalLoss('focalLoss', options);
}

/** @internal The focal loss body, named `fn` in its errors. */
export function makeFocalLoss(fn: string, options: FocalLossOptions = {}): LossFunction {
  const { gamma = 2, alpha, mode, fromLogits = true, ignoreIndex, reduction = 'mean', checkLabels } = options;
  const alphaValue = Array.isArray(alpha) ? [...alpha] : alpha;
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { pred, target: t, mask, numClasses } = preparePair(fn, yTrue, yPred, { ignoreIndex, checkLabels });
      const resolved = resolveMode(fn, mode, numClasses);
      const alphas = alphaValue === undefined ? null : alphaVector(fn, alphaValue, numClasses, resolved);
      let losses: tf.Tensor;
      if (resolved === 'binary') {
        const { logP, logQ } = binaryLogTerms(pred, fromLogits);
        const ce = tf.neg(tf.add(tf.mul(t, logP), tf.mul(tf.sub(1, t), logQ)));
        let modulating: tf.Tensor;
        if (fromLogits) {
          modulating = tf.exp(tf.mul(-gamma, tf.softplus(tf.mul(pred, tf.sub(tf.mul(2, t), 1)))));
        } else {
          const p = tf.clipByValue(pred, PROB_EPSILON, 1 - PROB_EPSILON);
          modulating = safePow(tf.add(tf.mul(t, tf.sub(1, p)), tf.mul(tf.sub(1, t), p)), gamma);
        }
        losses = tf.mul(modulating, ce);
        if (alphas !== null) losses = tf.mul(losses, tf.add(tf.mul(t, alphas), tf.mul(tf.sub(1, t), tf.sub(1, alphas))));
      } else {
        const logp = multiclassLogProbs(pred, fromLogits);
        let terms = tf.mul(tf.mul(safePow(tf.sub(1, tf.exp(logp)), gamma), t), logp);
        if (alphas !== null) terms = tf.mul(terms, alphas);
        losses = tf.neg(tf.sum(terms, -1, true));
      }
      if (mask !== null) losses = tf.mul(losses, mask);
      if (reduction === 'sum') return tf.sum(losses);
      return maskedMean(losses as tf.Tensor3D, mask, reduction === 'none');
    }),
  );
}
