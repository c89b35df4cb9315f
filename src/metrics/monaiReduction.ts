import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, fail } from '../core/assert.js';

/**
 * MONAI's metric reductions (`monai.metrics.utils.do_metric_reduction`) of per sample and class
 * values `[N, K]`. NaN entries are left out; where a reduced group has no valid entry the result
 * is 0, not NaN (MONAI's rule):
 * - `'none'`: `[N, K]` unchanged (NaN kept).
 * - `'mean'`: scalar; each sample's mean over its valid classes, then the mean over the samples
 *   that have one.
 * - `'sum'`: scalar; the sum of the valid entries.
 * - `'mean_batch'` / `'sum_batch'`: `[K]`, per class over the samples.
 * - `'mean_channel'` / `'sum_channel'`: `[N]`, per sample over the classes.
 */
export type MonaiReduction = 'none' | 'mean' | 'sum' | 'mean_batch' | 'sum_batch' | 'mean_channel' | 'sum_channel';

/** The names of {@link MonaiReduction}. */
export const MONAI_REDUCTIONS: readonly MonaiReduction[] = ['none', 'mean', 'sum', 'mean_batch', 'sum_batch', 'mean_channel', 'sum_channel'];

/** @internal {@link MonaiReduction} of a float32 `[N, K]` tensor; call inside `tf.tidy`. */
export function monaiReduceTensor(values: tf.Tensor, reduction: MonaiReduction): tf.Tensor {
  if (reduction === 'none') return values;
  const nan = tf.isNaN(values);
  const zeroed = tf.where(nan, tf.zerosLike(values), values);
  const valid = tf.cast(tf.logicalNot(nan), 'float32');
  const safeMean = (sum: tf.Tensor, count: tf.Tensor) => tf.where(tf.greater(count, 0), tf.div(sum, tf.maximum(count, 1)), tf.zerosLike(sum));
  switch (reduction) {
    case 'sum':
      return tf.sum(zeroed);
    case 'sum_batch':
      return tf.sum(zeroed, 0);
    case 'sum_channel':
      return tf.sum(zeroed, 1);
    case 'mean_batch':
      return safeMean(tf.sum(zeroed, 0), tf.sum(valid, 0));
    case 'mean_channel':
      return safeMean(tf.sum(zeroed, 1), tf.sum(valid, 1));
    case 'mean': {
      const perSampleCount = tf.sum(valid, 1);
      const perSample = safeMean(tf.sum(zeroed, 1), perSampleCount);
      return safeMean(tf.sum(perSample), tf.sum(tf.cast(tf.greater(perSampleCount, 0), 'float32')));
    }
  }
}

function sumValid(values: readonly number[]): [number, number] {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return [sum, count];
}

const meanOf = ([sum, count]: [number, number]): number => (count > 0 ? sum / count : 0);

/**
 * Reduces per sample and class values `[N][K]` (what {@link hausdorffDistance},
 * {@link averageSurfaceDistance}, {@link normalizedSurfaceDice} return) the way MONAI's
 * `do_metric_reduction` does: NaN entries are skipped and a group without a valid entry gives 0
 * (see {@link MonaiReduction}). Infinity (a missing surface) is kept, so one empty prediction
 * makes a mean of distances Infinity, as in MONAI.
 *
 * @returns a number for `'mean'` and `'sum'`, `number[]` (`[K]` for the `_batch`, `[N]` for the
 *   `_channel` reductions), or a copy of `values` for `'none'`.
 * @example
 * ```ts
 * reduceMetric([[1, NaN], [3, 5]], 'mean');       // (1 + 4) / 2 = 2.5
 * reduceMetric([[NaN, 2], [NaN, 4]], 'mean_batch'); // [0, 3]: class 0 has no valid entry
 * ```
 */
export function reduceMetric(values: readonly (readonly number[])[], reduction: MonaiReduction = 'mean'): number | number[] | number[][] {
  const fn = 'reduceMetric';
  assertOneOf(fn, 'reduction', reduction, MONAI_REDUCTIONS);
  const k = Array.isArray(values) && values.length > 0 && Array.isArray(values[0]) ? values[0].length : -1;
  if (k < 0 || !values.every((row) => Array.isArray(row) && row.length === k && row.every((v) => typeof v === 'number'))) {
    fail(fn, 'values', values, 'a non-empty [N][K] array of numbers (one row per sample, one entry per class)');
  }
  const rows = values.map((row) => [...row]);
  const columns = Array.from({ length: k }, (_, c) => rows.map((row) => row[c]!));
  switch (reduction) {
    case 'none':
      return rows;
    case 'sum':
      return sumValid(rows.flat())[0];
    case 'sum_batch':
      return columns.map((col) => sumValid(col)[0]);
    case 'sum_channel':
      return rows.map((row) => sumValid(row)[0]);
    case 'mean_batch':
      return columns.map((col) => meanOf(sumValid(col)));
    case 'mean_channel':
      return rows.map((row) => meanOf(sumValid(row)));
    case 'mean': {
      const perSample = rows.map(sumValid);
      const withValid = perSample.filter(([, count]) => count > 0).map(meanOf);
      return withValid.length === 0 ? 0 : withValid.reduce((a, b) => a + b, 0) / withValid.length;
    }
  }
}
