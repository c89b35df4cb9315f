import { describe, expect, it } from 'vitest';
import { MONAI_REDUCTIONS, reduceMetric } from '../../src/metrics/monaiReduction.js';
import { expectClose } from '../helpers/numeric.js';

// Three samples, three classes; sample 1 has no valid entry, class 2 one valid entry.
const VALUES = [
  [1, NaN, 3],
  [NaN, NaN, NaN],
  [2, 4, NaN],
];

describe('reduceMetric (MONAI do_metric_reduction)', () => {
  it('every reduction by hand: NaN skipped, 0 for a group without a valid entry', () => {
    // per sample: (1 + 3) / 2 = 2, none, (2 + 4) / 2 = 3 -> mean over the two samples with values
    expect(reduceMetric(VALUES, 'mean')).toBe(2.5);
    expect(reduceMetric(VALUES)).toBe(2.5);
    expect(reduceMetric(VALUES, 'sum')).toBe(10);
    expect(reduceMetric(VALUES, 'mean_batch')).toEqual([1.5, 4, 3]);
    expect(reduceMetric(VALUES, 'sum_batch')).toEqual([3, 4, 3]);
    expect(reduceMetric(VALUES, 'mean_channel')).toEqual([2, 0, 3]);
    expect(reduceMetric(VALUES, 'sum_channel')).toEqual([4, 0, 6]);
    const none = reduceMetric(VALUES, 'none') as number[][];
    expectClose(none, VALUES);
    expect(none).not.toBe(VALUES);
  });

  it('all NaN gives 0; a missing surface (Infinity) stays Infinity', () => {
    expect(reduceMetric([[NaN, NaN]], 'mean')).toBe(0);
    expect(reduceMetric([[NaN], [NaN]], 'mean_batch')).toEqual([0]);
    expect(reduceMetric([[1, Infinity]], 'mean')).toBe(Infinity);
    expect(reduceMetric([[1, NaN], [Infinity, 2]], 'mean_batch')).toEqual([Infinity, 2]);
  });

  it('names every reduction and rejects bad input', () => {
    expect(MONAI_REDUCTIONS).toEqual(['none', 'mean', 'sum', 'mean_batch', 'sum_batch', 'mean_channel', 'sum_channel']);
    expect(() => reduceMetric(VALUES, 'meanbatch' as never)).toThrow(/reduceMetric: reduction is 'meanbatch'; expected one of .*Did you mean 'mean_batch'\?/);
    expect(() => reduceMetric([], 'mean')).toThrow(/reduceMetric: values is \[\]; expected a non-empty \[N\]\[K\] array/);
    expect(() => reduceMetric([[1, 2], [3]], 'mean')).toThrow(/reduceMetric: values/);
    expect(() => reduceMetric([[1, '2' as never]], 'mean')).toThrow(/reduceMetric: values/);
  });
});
