import { fail } from '../core/assert.js';

/**
 * Averages metric values skipping NaN (undefined cases: empty ground truth, missing surfaces),
 * the way MONAI's `do_metric_reduction(..., 'mean')` does: for a `[N][K]` table, first the mean
 * over the classes of each sample (skipping NaN), then the mean over the samples that had any
 * value. A flat array is averaged directly. NaN when no value is left (MONAI returns 0 there;
 * NaN keeps "nothing to average" distinguishable from a perfect distance).
 *
 * @example
 * ```ts
 * meanIgnoringNaN([[1, NaN], [3, 5]]); // (1 + (3 + 5) / 2) / 2 = 2.5
 * meanIgnoringNaN([2, NaN, 4]);        // 3
 * ```
 */
export function meanIgnoringNaN(values: readonly number[] | readonly (readonly number[])[]): number {
  if (!Array.isArray(values)) fail('meanIgnoringNaN', 'values', values, 'an array of numbers or of arrays of numbers');
  const rows = values.map((row) => (Array.isArray(row) ? nanMean(row as readonly number[]) : (row as number)));
  return nanMean(rows);
}

function nanMean(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (typeof v !== 'number') fail('meanIgnoringNaN', 'values', values, 'numbers');
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return count === 0 ? NaN : sum / count;
}
