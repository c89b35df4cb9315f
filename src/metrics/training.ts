import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertFinite } from '../ops/assertFinite.js';
import { oneHot } from '../ops/oneHot.js';

/** A metric as tfjs-layers expects it in `model.compile({ metrics })`. */
export type MetricFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Options of {@link diceCoefficient} and {@link iouScore}. */
export interface SoftOverlapOptions {
  /** Added to numerator and denominator, so empty-vs-empty scores 1 and nothing divides by 0. Default 1e-5 (MONAI). */
  smooth?: number;
  /** Score channel 0 too. Default `true`; `false` drops it when C > 1. */
  includeBackground?: boolean;
  /** Sum over the batch before the ratio (one score per class) instead of per sample. Default `false`. */
  batch?: boolean;
}

/**
 * Brings `yTrue` to the one-hot shape of `yPred` `[N, ...S, C]`: one-hot as is; a label map
 * `[N, ...S]` or `[N, ...S, 1]` (C > 1) through one-hot encoding; for C = 1, a `[N, ...S]` mask
 * gets its channel axis back.
 */
function toOneHot(functionName: string, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const p = yPred.shape;
  const t = yTrue.shape;
  const channels = p[p.length - 1]!;
  const spatialMatches = (dims: readonly number[]): boolean => dims.every((d, i) => d === p[i]);
  if (t.length === p.length && spatialMatches(t.slice(0, -1))) {
    if (t[t.length - 1] === channels) return tf.cast(yTrue, 'float32');
    if (t[t.length - 1] === 1) return oneHot(tf.squeeze(yTrue, [t.length - 1]), channels);
  }
  if (t.length === p.length - 1 && spatialMatches(t)) {
    return channels === 1
      ? tf.expandDims(tf.cast(yTrue, 'float32'), -1)
      : oneHot(yTrue, channels);
  }
  throw new UnetKitError(
    functionName,
    'yTrue and yPred',
    `have shapes ${formatValue(t)} and ${formatValue(p)}; expected yTrue one-hot ${formatValue(p)} or a label map ` +
      `${formatValue(p.slice(0, -1))} / ${formatValue([...p.slice(0, -1), 1])}.`,
  );
}

function softOverlap(name: string, logName: string, jaccard: boolean, options: SoftOverlapOptions): MetricFunction {
  assertOptionsObject(name, options);
  assertKnownKeys(name, options, ['smooth', 'includeBackground', 'batch']);
  const { smooth = 1e-5, includeBackground = true, batch = false } = options ?? {};
  assertNumber(name, 'options.smooth', smooth, { min: 0 });
  assertBoolean(name, 'options.includeBackground', includeBackground);
  assertBoolean(name, 'options.batch', batch);
  const metric = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    for (const [arg, t] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
      if (!(t instanceof tf.Tensor)) fail(name, arg, t, 'a tensor');
    }
    if (yPred.shape.length < 3) {
      throw new UnetKitError(name, 'yPred', `has shape ${formatValue(yPred.shape)} (rank ${yPred.shape.length}); expected rank >= 3: [N, ...spatial, C].`);
    }
    // Inside fit this runs every batch: one two-number read each, off on GPU backends by default.
    assertFinite(name, 'yTrue', yTrue);
    assertFinite(name, 'yPred', yPred);
    return tf.tidy(() => {
      let truth = toOneHot(name, yTrue, yPred);
      let prob = tf.cast(yPred, 'float32');
      const channels = yPred.shape[yPred.shape.length - 1]!;
      if (!includeBackground && channels > 1) {
        const begin = new Array<number>(yPred.shape.length).fill(0);
        begin[begin.length - 1] = 1;
        truth = tf.slice(truth, begin);
        prob = tf.slice(prob, begin);
      }
      const spatialAxes = Array.from({ length: yPred.shape.length - 2 }, (_, i) => i + 1);
      const axes = batch ? [0, ...spatialAxes] : spatialAxes;
      const intersection = tf.sum(tf.mul(prob, truth), axes);
      const total = tf.add(tf.sum(prob, axes), tf.sum(truth, axes));
      const num = jaccard ? intersection : tf.mul(2, intersection);
      const den = jaccard ? tf.sub(total, intersection) : total;
      return tf.mean(tf.div(tf.add(num, smooth), tf.add(den, smooth))) as tf.Scalar;
    });
  };
  // tfjs-layers names a custom metric in the training logs (history, callbacks) after the
  // function's name; snake_case matches the names Keras logs.
  Object.defineProperty(metric, 'name', { value: logName });
  return metric;
}

/**
 * Soft Dice coefficient for `model.compile({ metrics: [diceCoefficient()] })` and custom loops:
 * per sample and class `(2 sum(p t) + s) / (sum(p) + sum(t) + s)` over the spatial axes, then
 * the mean over samples and classes (1 - MONAI's `DiceLoss` with `smooth_nr = smooth_dr = s`).
 * Works on probabilities, so it is differentiable; threshold first for the hard Dice
 * (or use {@link confusionStats} and {@link dice}).
 *
 * `yPred` `[N, ...spatial, C]` probabilities; `yTrue` one-hot of the same shape or a label map
 * `[N, ...spatial]` / `[N, ...spatial, 1]`. Returns a scalar (logged as `dice_coefficient`).
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: diceCELoss(), metrics: [diceCoefficient({ includeBackground: false })] });
 * ```
 */
export function diceCoefficient(options: SoftOverlapOptions = {}): MetricFunction {
  return softOverlap('diceCoefficient', 'dice_coefficient', false, options);
}

/**
 * Soft IoU (Jaccard) score for `model.compile` metrics: per sample and class
 * `(sum(p t) + s) / (sum(p) + sum(t) - sum(p t) + s)`, mean over samples and classes
 * (1 - MONAI's `DiceLoss(jaccard=True)`). Same inputs and options as {@link diceCoefficient};
 * logged as `iou_score`.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: [iouScore()] });
 * ```
 */
export function iouScore(options: SoftOverlapOptions = {}): MetricFunction {
  return softOverlap('iouScore', 'iou_score', true, options);
}
