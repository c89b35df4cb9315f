import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertOptions, fail, type OptionCheck } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { isClassWeights, isLabelCheck, isReduction, numberIn, oneOf, pickChecks } from './checks.js';
import { named, resolveClassWeights } from './common.js';
import { binaryLogTerms, maskedMean, multiclassLogProbs, type ProbabilityMode } from './probabilities.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossFunction, LossReduction } from './types.js';

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyLossOptions {
  /**
   * `'multiclass'`: softmax over the last axis, mutually exclusive classes; `'binary'`: an
   * independent sigmoid per channel (binary, or multi-label with C > 1). Default: `'binary'`
   * when yPred has 1 channel, else `'multiclass'`.
   */
  mode?: ProbabilityMode;
  /** yPred holds logits (default true; numerically stable) or probabilities (clipped to [1e-7, 1 - 1e-7]). */
  fromLogits?: boolean;
  /** One weight >= 0 per class (multiclass) or channel (binary), as torch's `weight`. */
  classWeights?: number[];
  /**
   * Binary mode only: one weight >= 0 per channel multiplying the positive term, torch
   * `BCEWithLogitsLoss`'s `pos_weight`: `l = -(w * t * log p + (1 - t) * log(1 - p))`.
   */
  positiveWeights?: number[];
  /** Label whose voxels count nowhere (torch's `ignore_index`). */
  ignoreIndex?: number;
  /**
   * What `'mean'` divides by when voxels are ignored: `'counted'` (default, torch) the counted
   * voxels (or their summed class weights); `'all'` every element counts 1, ignored ones adding 0
   * to the sum (SMP's `SoftCrossEntropyLoss` / `SoftBCEWithLogitsLoss` with `ignore_index`;
   * class weights then scale the sum only).
   */
  ignoredInMean?: 'counted' | 'all';
  /** Mixes the target with the uniform distribution: `t (1 - e) + e / C` (binary: `e / 2`). Default 0; in [0, 1). */
  labelSmoothing?: number;
  /** `'mean'` (default) over counted voxels, `'sum'`, or `'none'`: per-sample means `[N]`. */
  reduction?: LossReduction;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/** `mode` of the cross-entropy-type losses. */
export const isProbabilityMode = oneOf(['binary', 'multiclass']);

/** @internal The option checks of {@link crossEntropyLoss}, in its documented order. */
export const CROSS_ENTROPY_CHECKS: Record<string, OptionCheck> = {
  mode: isProbabilityMode,
  fromLogits: assertBoolean,
  classWeights: (fn, argument, value) => {
    if (!Array.isArray(value)) fail(fn, argument, value, 'an array of numbers >= 0, one per class (or channel)');
    isClassWeights(fn, argument, value);
  },
  positiveWeights: (fn, argument, value) => {
    if (!Array.isArray(value)) fail(fn, argument, value, 'an array of numbers >= 0, one per channel');
    isClassWeights(fn, argument, value);
  },
  ignoreIndex: assertInteger,
  ignoredInMean: oneOf(['counted', 'all']),
  labelSmoothing: numberIn({ min: 0, max: 1, maxExclusive: true }),
  reduction: isReduction,
  checkLabels: isLabelCheck,
};

/** @internal Validates the options of {@link crossEntropyLoss} for `fn`, or only those named in `keys`. */
export function assertCrossEntropyOptions(fn: string, options: CrossEntropyLossOptions | undefined, keys?: string[]): void {
  assertOptions(fn, options, keys === undefined ? CROSS_ENTROPY_CHECKS : pickChecks(CROSS_ENTROPY_CHECKS, keys));
}

/** @internal Resolves the default mode from the channel count; 'multiclass' needs C >= 2. */
export function resolveMode(fn: string, mode: ProbabilityMode | undefined, numClasses: number): ProbabilityMode {
  const resolved = mode ?? (numClasses === 1 ? 'binary' : 'multiclass');
  if (resolved === 'multiclass' && numClasses < 2) {
    throw new UnetKitError(
      fn,
      'options.mode',
      "is 'multiclass' but yPred has 1 channel; expected 'binary' for a single-channel output, or C >= 2 channels.",
    );
  }
  return resolved;
}

/** @internal The cross-entropy body, named `fn` in its errors. */
export function makeCrossEntropyLoss(fn: string, options: CrossEntropyLossOptions = {}): LossFunction {
  const {
    mode,
    fromLogits = true,
    classWeights,
    positiveWeights,
    ignoreIndex,
    ignoredInMean = 'counted',
    labelSmoothing = 0,
    reduction = 'mean',
    checkLabels,
  } = options;
  const weightList = classWeights === undefined ? undefined : [...classWeights];
  const positiveList = positiveWeights === undefined ? undefined : [...positiveWeights];
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { pred, target, mask, numClasses } = preparePair(fn, yTrue, yPred, { ignoreIndex, checkLabels });
      const resolved = resolveMode(fn, mode, numClasses);
      const weights = resolveClassWeights(fn, 'options.classWeights', weightList, numClasses, false);
      const positive = resolveClassWeights(fn, 'options.positiveWeights', positiveList, numClasses, false);
      if (positive !== null && resolved !== 'binary') {
        throw new UnetKitError(fn, 'options.positiveWeights', "applies to mode 'binary' only (torch's pos_weight); use classWeights in 'multiclass' mode.");
      }
      let losses: tf.Tensor3D;
      let share: tf.Tensor3D | null = mask;
      if (resolved === 'binary') {
        const t = labelSmoothing > 0 ? tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / 2) : target;
        const { logP, logQ } = binaryLogTerms(pred, fromLogits);
        const positiveTerm = positive === null ? tf.mul(t, logP) : tf.mul(tf.mul(t, positive), logP);
        losses = tf.neg(tf.add(positiveTerm, tf.mul(tf.sub(1, t), logQ))) as tf.Tensor3D;
        if (weights !== null) losses = tf.mul(losses, weights);
      } else {
        const t = labelSmoothing > 0 ? tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / numClasses) : target;
        const logp = multiclassLogProbs(pred, fromLogits);
        const weighted = weights === null ? t : tf.mul(t, weights);
        losses = tf.neg(tf.sum(tf.mul(weighted, logp), -1, true)) as tf.Tensor3D;
        // torch's weighted mean: each voxel counts with the weight of its (unsmoothed) class.
        if (weights !== null) share = tf.sum(tf.mul(target, weights), -1, true) as tf.Tensor3D;
      }
      if (mask !== null) losses = tf.mul(losses, mask);
      if (reduction === 'sum') return tf.sum(losses);
      // SMP keeps the ignored voxels in the denominator (their loss is 0 already).
      if (ignoredInMean === 'all') share = null;
      return maskedMean(losses, share, reduction === 'none');
    }),
  );
}

/**
 * Cross-entropy, binary or categorical, from logits (default, stable) or probabilities.
 *
 * - `'multiclass'` (torch `CrossEntropyLoss` / Keras `categorical_crossentropy`): per voxel
 *   `l = -sum_c w_c * t_c * log softmax(x)_c`, with `t = (1 - e) * onehot + e / C` under label
 *   smoothing e; `'mean'` divides the sum by the summed class weight of the counted voxels'
 *   labels (the voxel count without weights), as torch does with `weight` and `ignore_index`.
 * - `'binary'` (torch `BCEWithLogitsLoss` / Keras `binary_crossentropy`): per element
 *   `l = -w_c * (t * log p + (1 - t) * log(1 - p))`, `t = (1 - e) * t + e / 2`, `p = sigmoid(x)`,
 *   from logits as `t * softplus(-x) + (1 - t) * softplus(x)`; `'mean'` averages over all counted
 *   elements (voxels x channels).
 *
 * Ignored voxels (label `ignoreIndex`) add nothing; if every voxel is ignored the loss is 0.
 * From probabilities, values are clipped to [1e-7, 1 - 1e-7] (Keras), so predictions of exactly
 * 0 or 1 give finite values and gradients.
 *
 * @example
 * ```ts
 * const ce = crossEntropyLoss({ ignoreIndex: 255, labelSmoothing: 0.1 });
 * const loss = ce(labelMap, logits); // labelMap [N, H, W], logits [N, H, W, C]
 * ```
 */
export function crossEntropyLoss(options?: CrossEntropyLossOptions): LossFunction {
  assertCrossEntropyOptions('crossEntropyLoss', options);
  return makeCrossEntropyLoss('crossEntropyLoss', options);
}
