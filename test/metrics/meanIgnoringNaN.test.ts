import { describe, expect, it } from 'vitest';
import { meanIgnoringNaN } from '../../src/metrics/meanIgnoringNaN.js';

describe('meanIgnoringNaN', () => {
  it('averages classes per sample, then samples, skipping NaN (MONAI mean)', () => {
    // sample 0: mean(1) = 1; sample 1: (3 + 5) / 2 = 4; then (1 + 4) / 2 = 2.5
    expect(meanIgnoringNaN([[1, NaN], [3, 5]])).toBe(2.5);
    // a sample with only NaN is skipped: (2 + 4) / 2 = 3 over sample 0 only -> 3
    expect(meanIgnoringNaN([[2, 4], [NaN, NaN]])).toBe(3);
    expect(meanIgnoringNaN([2, NaN, 4])).toBe(3);
  });

  it('NaN when nothing is left; Infinity propagates', () => {
    expect(meanIgnoringNaN([[NaN], [NaN]])).toBeNaN();
    expect(meanIgnoringNaN([])).toBeNaN();
    expect(meanIgnoringNaN([[1, Infinity]])).toBe(Infinity);
  });

  it('rejects what is not numbers', () => {
    expect(() => meanIgnoringNaN('x' as never)).toThrow(/meanIgnoringNaN: values is 'x'/);
    expect(() => meanIgnoringNaN([['a']] as never)).toThrow(/meanIgnoringNaN: values/);
  });
});
