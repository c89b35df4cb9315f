import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { ConfusionStats } from './confusion.js';
import { MONAI_REDUCTIONS, monaiReduceTensor, type MonaiReduction } from './monaiReduction.js';

/**
 * How per sample and class scores become the result:
 * - MONAI's `do_metric_reduction` names, with its NaN rule (NaN skipped; 0 where a reduced group
 *   has no valid entry; see {@link MonaiReduction}): `'none'` (`[N, K]`), `'mean'` (default;
 *   scalar, mean over classes per sample, then over samples), `'sum'`, `'mean_batch'` /
 *   `'sum_batch'` (`[K]`), `'mean_channel'` / `'sum_channel'` (`[N]`).
 * - `'per-image'`: `[N]`, as `'mean_channel'` but NaN for a sample without a valid class.
 * - `'per-class'`: `[K]`, as `'mean_batch'` but NaN for a class empty in every sample.
 * - `'micro'`: scalar; counts summed over samples and classes, one score (SMP `'micro'`).
 * - `'macro'`: scalar; counts summed over samples, a score per class, their mean, NaN skipped (SMP `'macro'`).
 * - `'weighted'`: scalar; as `'macro'` but classes weighted by support `sum(TP + FN)` (SMP
 *   `'weighted'`); the `'micro'` value when no class has any support.
 */
export type MetricReduction = MonaiReduction | 'per-image' | 'per-class' | 'micro' | 'macro' | 'weighted';

/** The reductions the confusion metrics accept. */
export const METRIC_REDUCTIONS: readonly MetricReduction[] = [
  ...MONAI_REDUCTIONS,
  'per-image',
  'per-class',
  'micro',
  'macro',
  'weighted',
];

/** Options shared by the confusion metrics. */
export interface ConfusionMetricOptions {
  /** See {@link MetricReduction}. Default `'mean'`. */
  reduction?: MetricReduction;
  /**
   * Empty ground truth (no foreground voxel, `TP + FN = 0`; for specificity: no background
   * voxel, `TN + FP = 0`): `true` (default) gives NaN, skipped by the means (MONAI's
   * `ignore_empty`); `false` gives 1 when the prediction is empty too and 0 otherwise.
   */
  ignoreEmpty?: boolean;
}

/** Options of {@link fBeta}. */
export interface FBetaOptions extends ConfusionMetricOptions {
  /** Weight of recall against precision. Default 1 (F1 = Dice). */
  beta?: number;
}

type Counts = { tp: tf.Tensor; fp: tf.Tensor; fn: tf.Tensor; tn: tf.Tensor };
/** Score of counts (float32, elementwise); `refEmpty`/`predEmpty` drive the empty-truth rule. */
interface Formula {
  num: (c: Counts) => tf.Tensor;
  den: (c: Counts) => tf.Tensor;
  /** Reference set empty (the score is undefined as 0/0 or meaningless). */
  refEmpty: (c: Counts) => tf.Tensor;
  /** Prediction's set empty as well, given an empty reference. */
  predEmpty: (c: Counts) => tf.Tensor;
  /** The score is NaN on an empty reference whatever `ignoreEmpty` (nothing to score at all). */
  emptyAlwaysNaN?: boolean;
}

const positivesEmpty = (c: Counts): tf.Tensor => tf.equal(tf.add(c.tp, c.fn), 0);
const noPredictedPositives = (c: Counts): tf.Tensor => tf.equal(c.fp, 0);

function checkStats(functionName: string, stats: unknown): ConfusionStats {
  if (stats === null || typeof stats !== 'object' || stats instanceof tf.Tensor) {
    fail(functionName, 'stats', stats, 'the { tp, fp, fn, tn } object confusionStats returns');
  }
  const s = stats as Record<string, unknown>;
  for (const key of ['tp', 'fp', 'fn', 'tn']) {
    const t = s[key];
    if (!(t instanceof tf.Tensor) || t.shape.length !== 2 || t.isDisposed) {
      fail(functionName, `stats.${key}`, t, 'a live [N, K] tensor (from confusionStats)');
    }
  }
  const tp = s.tp as tf.Tensor;
  for (const key of ['fp', 'fn', 'tn']) {
    const t = s[key] as tf.Tensor;
    if (t.shape[0] !== tp.shape[0] || t.shape[1] !== tp.shape[1]) {
      throw new UnetKitError(
        functionName,
        `stats.tp and stats.${key}`,
        `have shapes ${formatValue(tp.shape)} and ${formatValue(t.shape)}; expected the same shape.`,
      );
    }
  }
  return stats as ConfusionStats;
}

/** Mean over `axis` skipping NaN; NaN where nothing is left. */
function nanMean(x: tf.Tensor, axis?: number): tf.Tensor {
  const isNan = tf.isNaN(x);
  const kept = tf.where(isNan, tf.zerosLike(x), x);
  const count = tf.sum(tf.logicalNot(isNan), axis);
  return tf.where(tf.greater(count, 0), tf.div(tf.sum(kept, axis), tf.maximum(count, 1)), tf.fill(count.shape, NaN));
}

function score(formula: Formula, counts: Counts, ignoreEmpty: boolean): tf.Tensor {
  const num = formula.num(counts);
  const den = formula.den(counts);
  const defined = tf.where(tf.greater(den, 0), tf.div(num, tf.maximum(den, 1e-30)), tf.zerosLike(num));
  const emptyValue = ignoreEmpty || formula.emptyAlwaysNaN === true
    ? tf.fill(num.shape, NaN)
    : tf.where(formula.predEmpty(counts), tf.onesLike(num), tf.zerosLike(num));
  return tf.where(formula.refEmpty(counts), emptyValue, defined);
}

function compute(
  functionName: string,
  formula: Formula,
  stats: ConfusionStats,
  options: ConfusionMetricOptions,
  extraKeys: readonly string[] = [],
): tf.Tensor {
  assertOptionsObject(functionName, options);
  assertKnownKeys(functionName, options, ['reduction', 'ignoreEmpty', ...extraKeys]);
  const { reduction = 'mean', ignoreEmpty = true } = options ?? {};
  assertOneOf(functionName, 'options.reduction', reduction, METRIC_REDUCTIONS);
  assertBoolean(functionName, 'options.ignoreEmpty', ignoreEmpty);
  checkStats(functionName, stats);
  return tf.tidy(() => {
    const f = (t: tf.Tensor): tf.Tensor => tf.cast(t, 'float32');
    const all: Counts = { tp: f(stats.tp), fp: f(stats.fp), fn: f(stats.fn), tn: f(stats.tn) };
    const summed = (axis?: number): Counts => ({
      tp: tf.sum(all.tp, axis),
      fp: tf.sum(all.fp, axis),
      fn: tf.sum(all.fn, axis),
      tn: tf.sum(all.tn, axis),
    });
    switch (reduction) {
      case 'per-image':
        return nanMean(score(formula, all, ignoreEmpty), 1);
      case 'per-class':
        return nanMean(score(formula, all, ignoreEmpty), 0);
      case 'micro':
        return score(formula, summed(), ignoreEmpty);
      case 'macro':
        return nanMean(score(formula, summed(0), ignoreEmpty));
      case 'weighted': {
        const perClass = summed(0);
        const scores = score(formula, perClass, ignoreEmpty);
        const isNan = tf.isNaN(scores);
        const weights = tf.where(isNan, tf.zerosLike(scores), tf.add(perClass.tp, perClass.fn));
        const total = tf.sum(weights);
        const weighted = tf.div(tf.sum(tf.mul(weights, tf.where(isNan, tf.zerosLike(scores), scores))), tf.maximum(total, 1e-30));
        return tf.where(tf.greater(total, 0), weighted, score(formula, summed(), ignoreEmpty));
      }
      default:
        return monaiReduceTensor(score(formula, all, ignoreEmpty), reduction);
    }
  });
}

const DICE: Formula = {
  num: (c) => tf.mul(2, c.tp),
  den: (c) => tf.add(tf.mul(2, c.tp), tf.add(c.fp, c.fn)),
  refEmpty: positivesEmpty,
  predEmpty: noPredictedPositives,
};

/**
 * Dice coefficient (F1) from confusion counts: `2 TP / (2 TP + FP + FN)` (MONAI `compute_dice`,
 * SMP `f1_score`); empty ground truth per `ignoreEmpty`.
 *
 * @param stats - From {@link confusionStats}; not disposed.
 * @returns A tensor shaped by `reduction` (default `'mean'`: scalar); the caller disposes it.
 * @example
 * ```ts
 * const stats = confusionStats(pred, target, { numClasses: 3 });
 * const perClass = dice(stats, { reduction: 'per-class' }); // [3]
 * ```
 */
export function dice(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('dice', DICE, stats, options);
}

/**
 * Intersection over union (Jaccard index): `TP / (TP + FP + FN)` (MONAI `compute_iou`, SMP
 * `iou_score`); empty ground truth per `ignoreEmpty`.
 *
 * @example `iou(confusionStats(pred, target), { reduction: 'micro' })`
 */
export function iou(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('iou', {
    num: (c) => c.tp,
    den: (c) => tf.add(c.tp, tf.add(c.fp, c.fn)),
    refEmpty: positivesEmpty,
    predEmpty: noPredictedPositives,
  }, stats, options);
}

/**
 * Precision (positive predictive value): `TP / (TP + FP)` (SMP `precision`). Empty ground
 * truth per `ignoreEmpty`; a non-empty ground truth with an empty prediction gives 0 (as
 * scikit-learn's and SMP's default `zero_division`).
 *
 * @example `precision(stats, { reduction: 'none' })`
 */
export function precision(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('precision', {
    num: (c) => c.tp,
    den: (c) => tf.add(c.tp, c.fp),
    refEmpty: positivesEmpty,
    predEmpty: noPredictedPositives,
  }, stats, options);
}

/**
 * Recall (sensitivity, true positive rate): `TP / (TP + FN)` (SMP `recall`); empty ground truth
 * per `ignoreEmpty`.
 *
 * @example `recall(stats, { reduction: 'macro' })`
 */
export function recall(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('recall', {
    num: (c) => c.tp,
    den: (c) => tf.add(c.tp, c.fn),
    refEmpty: positivesEmpty,
    predEmpty: noPredictedPositives,
  }, stats, options);
}

/**
 * Specificity (true negative rate): `TN / (TN + FP)` (SMP `specificity`). Its reference set is
 * the ground-truth background, so `ignoreEmpty` applies when `TN + FP = 0` (the class fills
 * the whole image); with `ignoreEmpty: false` that is 1 when the prediction has no background
 * either (`FN = 0`), else 0.
 *
 * @example `specificity(stats, { reduction: 'per-image' })`
 */
export function specificity(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('specificity', {
    num: (c) => c.tn,
    den: (c) => tf.add(c.tn, c.fp),
    refEmpty: (c) => tf.equal(tf.add(c.tn, c.fp), 0),
    predEmpty: (c) => tf.equal(c.fn, 0),
  }, stats, options);
}

/**
 * F-beta score: `(1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP)` (SMP `fbeta_score`, MONAI
 * `FBetaScore`); `beta` 1 (default) is Dice. Empty ground truth per `ignoreEmpty`.
 *
 * @example `fBeta(stats, { beta: 2 })` // recall weighted 4x precision
 */
export function fBeta(stats: ConfusionStats, options: FBetaOptions = {}): tf.Tensor {
  const { beta = 1 } = options ?? {};
  assertNumber('fBeta', 'options.beta', beta, { min: 0, minExclusive: true });
  const b2 = beta * beta;
  return compute('fBeta', {
    num: (c) => tf.mul(1 + b2, c.tp),
    den: (c) => tf.add(tf.mul(1 + b2, c.tp), tf.add(tf.mul(b2, c.fn), c.fp)),
    refEmpty: positivesEmpty,
    predEmpty: noPredictedPositives,
  }, stats, options, ['beta']);
}

/**
 * Accuracy: `(TP + TN) / (TP + FP + FN + TN)` (SMP `accuracy`). Always defined except for a
 * sample whose voxels are all ignored (`ignoreIndex`), which gives NaN whatever `ignoreEmpty`.
 *
 * @example `accuracy(stats, { reduction: 'micro' })`
 */
export function accuracy(stats: ConfusionStats, options: ConfusionMetricOptions = {}): tf.Tensor {
  return compute('accuracy', {
    num: (c) => tf.add(c.tp, c.tn),
    den: (c) => tf.add(tf.add(c.tp, c.tn), tf.add(c.fp, c.fn)),
    refEmpty: (c) => tf.equal(tf.add(tf.add(c.tp, c.tn), tf.add(c.fp, c.fn)), 0),
    predEmpty: (c) => tf.cast(tf.zerosLike(c.tp), 'bool'),
    emptyAlwaysNaN: true,
  }, stats, options);
}
