import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertNumber, assertOptions, fail, type OptionCheck } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isClassWeights, isLabelCheck, isReduction, numberIn, pickChecks } from './checks.js';
import { dropBackground, named, PROB_EPSILON, resolveClassWeights, safePow } from './common.js';
import { isProbabilityMode, resolveMode } from './crossEntropy.js';
import { binaryLogTerms, maskedMean, multiclassLogProbs, type ProbabilityMode } from './probabilities.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossFunction, LossReduction } from './types.js';

/** Options of {@link focalLoss} (MONAI `FocalLoss` names in brackets). */
export interface FocalLossOptions {
  /** Focusing exponent gamma (`gamma`); 0 gives cross-entropy. Default 2; >= 0. */
  gamma?: number;
  /**
   * Class balance (`alpha`). `'binary'`: a number in [0, 1] weights positives by alpha and
   * negatives by 1 - alpha (Lin et al.; 0.25 in the paper), or one such number per counted
   * channel. `'multiclass'`: a number gives `[1 - alpha, alpha, ..., alpha]` (background first,
   * as MONAI; needs `includeBackground`), an array one weight >= 0 per counted class. Default: none.
   */
  alpha?: number | number[];
  /**
   * `'binary'` (default, MONAI's `use_softmax=False`): a sigmoid per channel, whatever C;
   * `'multiclass'` (`use_softmax=True`): softmax over the counted channels.
   */
  mode?: ProbabilityMode;
  /** yPred holds logits (default true, as MONAI) or probabilities. */
  fromLogits?: boolean;
  /** Count channel 0 (`include_background`). Default true; false drops it before the activation, as MONAI. */
  includeBackground?: boolean;
  /**
   * Multiplies each counted class's elements (`weight`): one number, or one entry per counted
   * class (C entries are also accepted without background, the first dropped). Ignored when one
   * class is counted, as MONAI does. Values >= 0.
   */
  classWeights?: number | number[];
  /**
   * Sum the per-class terms of each voxel before reducing (Lin et al.'s multi-class form; then
   * gamma 0 equals {@link crossEntropyLoss}). Default false: MONAI keeps one term per element.
   */
  sumOverClasses?: boolean;
  /** Label whose voxels count nowhere (an unet-kit extension: MONAI has none). */
  ignoreIndex?: number;
  /**
   * MONAI's reductions: `'mean'` (default) over every counted element (voxels x classes),
   * `'sum'` the sum over samples and classes of each one's mean over voxels, `'none'` the
   * element-wise values `[N, ...spatial, C']` (`[N, ...spatial]` with `sumOverClasses`).
   */
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
  includeBackground: assertBoolean,
  classWeights: isClassWeights,
  sumOverClasses: assertBoolean,
  ignoreIndex: assertInteger,
  reduction: isReduction,
  checkLabels: isLabelCheck,
};

/** @internal Validates focal options for `fn`, or only those named in `keys`. */
export function assertFocalOptions(fn: string, options: FocalLossOptions | undefined, keys?: string[]): void {
  assertOptions(fn, options, keys === undefined ? FOCAL_CHECKS : pickChecks(FOCAL_CHECKS, keys));
}

function alphaVector(fn: string, alpha: number | number[], counted: number, dropped: boolean, mode: ProbabilityMode): tf.Tensor1D {
  if (typeof alpha === 'number') {
    if (mode === 'binary') return tf.fill([counted], alpha) as tf.Tensor1D;
    if (dropped) {
      // MONAI silently drops alpha here; a setting that does nothing is an error in unet-kit.
      throw new UnetKitError(
        fn,
        'options.alpha',
        `is ${alpha} with mode 'multiclass' and includeBackground false; a single alpha weights the background by 1 - alpha, and there is no background. Give one weight per counted class, or includeBackground true.`,
      );
    }
    return tf.tensor1d([1 - alpha, ...new Array<number>(counted - 1).fill(alpha)]);
  }
  const list = dropped && alpha.length === counted + 1 ? alpha.slice(1) : alpha;
  if (list.length !== counted) {
    throw new UnetKitError(
      fn,
      'options.alpha',
      `has ${alpha.length} entries (${formatValue(alpha)}) but ${counted} channels are counted; expected ${counted} entries or one number.`,
    );
  }
  if (mode === 'binary' && list.some((a) => a > 1)) {
    fail(fn, 'options.alpha', alpha, "numbers in [0, 1] in 'binary' mode (alpha weights positives, 1 - alpha negatives)");
  }
  return tf.tensor1d(list);
}

/** Binary focal terms per element (MONAI's `sigmoid_focal_loss`), `[N, V, C]`. */
function binaryFocal(pred: tf.Tensor3D, t: tf.Tensor3D, gamma: number, fromLogits: boolean, alphas: tf.Tensor1D | null): tf.Tensor3D {
  const { logP, logQ } = binaryLogTerms(pred, fromLogits);
  const ce = tf.neg(tf.add(tf.mul(t, logP), tf.mul(tf.sub(1, t), logQ)));
  let modulating: tf.Tensor;
  if (fromLogits) {
    // (1 - p_t)^gamma = exp(gamma * log sigmoid(-x (2t - 1))): no probability is formed.
    modulating = tf.exp(tf.mul(-gamma, tf.softplus(tf.mul(pred, tf.sub(tf.mul(2, t), 1)))));
  } else {
    const p = tf.clipByValue(pred, PROB_EPSILON, 1 - PROB_EPSILON);
    modulating = safePow(tf.add(tf.mul(t, tf.sub(1, p)), tf.mul(tf.sub(1, t), p)), gamma);
  }
  let losses = tf.mul(modulating, ce);
  if (alphas !== null) losses = tf.mul(losses, tf.add(tf.mul(t, alphas), tf.mul(tf.sub(1, t), tf.sub(1, alphas))));
  return losses as tf.Tensor3D;
}

/** Softmax focal terms per element (MONAI's `softmax_focal_loss`), `[N, V, C]`. */
function multiclassFocal(pred: tf.Tensor3D, t: tf.Tensor3D, gamma: number, fromLogits: boolean, alphas: tf.Tensor1D | null): tf.Tensor3D {
  const logp = multiclassLogProbs(pred, fromLogits);
  let terms = tf.neg(tf.mul(tf.mul(safePow(tf.sub(1, tf.exp(logp)), gamma), t), logp));
  if (alphas !== null) terms = tf.mul(terms, alphas);
  return terms as tf.Tensor3D;
}

/**
 * MONAI's `'sum'`: each sample-and-class's mean over its counted voxels, summed. `losses`
 * `[N, V, K]`, `mask` `[N, V, 1]` or null.
 */
function sumOfVoxelMeans(losses: tf.Tensor3D, mask: tf.Tensor3D | null): tf.Tensor {
  const total = tf.sum(losses, 1);
  if (mask === null) return tf.div(tf.sum(total), losses.shape[1]);
  const count = tf.sum(mask, 1);
  return tf.sum(tf.div(total, tf.maximum(count, 1)));
}

/**
 * Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection"), MONAI `FocalLoss`
 * semantics by default, numerically stable from logits.
 *
 * - `'binary'` (default; MONAI `use_softmax=False`): per element
 *   `l = alpha_t * (1 - p_t)^gamma * BCE(x, t)`, `alpha_t = alpha * t + (1 - alpha) * (1 - t)`;
 *   from logits `(1 - p_t)^gamma = exp(-gamma * softplus(x * (2t - 1)))` and BCE as in
 *   {@link crossEntropyLoss}, so no probability is ever formed.
 * - `'multiclass'` (`use_softmax=True`): per element `l_c = -alpha_c * (1 - p_c)^gamma * t_c *
 *   log p_c` with `log p = logSoftmax(x)` over the counted channels.
 *
 * Then, as MONAI: channel 0 is dropped first when `includeBackground` is false (so softmax runs
 * over the other channels), `classWeights` multiply each class's elements, and `'mean'` averages
 * over every element, channels included (a softmax focal loss is thus divided by C';
 * `sumOverClasses: true` gives Lin et al.'s per-voxel sum, whose gamma-0 value is
 * {@link crossEntropyLoss}).
 *
 * From probabilities, p is clipped to [1e-7, 1 - 1e-7]; for gamma < 1 the base `1 - p_t` is
 * floored at 1e-12, so predictions of exactly 0 or 1 give finite gradients.
 *
 * @example
 * ```ts
 * const loss = focalLoss({ gamma: 2, alpha: 0.25 })(mask, logits); // logits [N, H, W, 1]
 * const monaiSoftmax = focalLoss({ mode: 'multiclass', includeBackground: false, classWeights: [1, 2] });
 * ```
 */
export function focalLoss(options?: FocalLossOptions): LossFunction {
  assertFocalOptions('focalLoss', options);
  return makeFocalLoss('focalLoss', options);
}

/** @internal The focal loss body, named `fn` in its errors. */
export function makeFocalLoss(fn: string, options: FocalLossOptions = {}): LossFunction {
  const {
    gamma = 2,
    alpha,
    mode = 'binary',
    fromLogits = true,
    includeBackground = true,
    classWeights,
    sumOverClasses = false,
    ignoreIndex,
    reduction = 'mean',
    checkLabels,
  } = options;
  const alphaValue = Array.isArray(alpha) ? [...alpha] : alpha;
  const weightList = Array.isArray(classWeights) ? [...classWeights] : classWeights;
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const prepared = preparePair(fn, yTrue, yPred, { ignoreIndex, checkLabels });
      const { mask, numClasses } = prepared;
      const [pred, t] = dropBackground(fn, includeBackground, prepared.pred, prepared.target) as [tf.Tensor3D, tf.Tensor3D];
      const counted = pred.shape[2];
      const dropped = counted < numClasses;
      resolveMode(fn, mode, counted);
      const alphas = alphaValue === undefined ? null : alphaVector(fn, alphaValue, counted, dropped, mode);
      let losses = mode === 'binary' ? binaryFocal(pred, t, gamma, fromLogits, alphas) : multiclassFocal(pred, t, gamma, fromLogits, alphas);
      const w = counted === 1 ? null : resolveClassWeights(fn, 'options.classWeights', weightList, counted, dropped);
      if (w !== null) losses = tf.mul(losses, w);
      if (mask !== null) losses = tf.mul(losses, mask);
      if (sumOverClasses) losses = tf.sum(losses, -1, true);
      if (reduction === 'mean') return maskedMean(losses, mask, false);
      if (reduction === 'sum') return sumOfVoxelMeans(losses, mask);
      const spatial = (yPred as tf.Tensor).shape.slice(0, -1);
      return tf.reshape(losses, sumOverClasses ? spatial : [...spatial, losses.shape[2]]);
    }),
  );
}
