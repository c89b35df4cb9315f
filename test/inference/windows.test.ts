import { describe, expect, it } from 'vitest';
import { windowStarts } from '../../src/inference/windows.js';
import { UnetKitError } from '../../src/core/errors.js';

describe('windowStarts', () => {
  it('lays windows every floor(roi * (1 - overlap)) and shifts the last back to the edge', () => {
    // roi 4, overlap 0.5: interval floor(4 * 0.5) = 2; 0, 2, 4, then 6 + 4 = 10 reaches the edge.
    expect(windowStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]);
    // size 11: 0, 2, 4, 6 (6 + 4 = 10 < 11), then 8 would end at 12 > 11 -> shifted to 11 - 4 = 7.
    expect(windowStarts(11, 4, 0.5)).toEqual([0, 2, 4, 6, 7]);
    // no overlap: interval 4; 0, 4, then 8 + 4 = 12 > 10 -> 6.
    expect(windowStarts(10, 4, 0)).toEqual([0, 4, 6]);
    // roi 5, overlap 0.5: floor(2.5) = 2 (MONAI truncates).
    expect(windowStarts(9, 5, 0.5)).toEqual([0, 2, 4]);
    // overlap 0.9 with roi 5: floor(0.5) = 0 -> at least 1.
    expect(windowStarts(7, 5, 0.9)).toEqual([0, 1, 2]);
  });

  it('uses one window when the window is the whole axis', () => {
    expect(windowStarts(8, 8, 0.5)).toEqual([0]);
    expect(windowStarts(8, 8, 0)).toEqual([0]);
  });

  it('covers every index for many sizes and overlaps (invariant)', () => {
    for (const roi of [1, 3, 4, 8]) {
      for (let size = roi; size < roi + 20; size++) {
        for (const overlap of [0, 0.25, 0.5, 0.75, 0.9]) {
          const starts = windowStarts(size, roi, overlap);
          expect(starts[0]).toBe(0);
          expect(starts[starts.length - 1]).toBe(size - roi);
          const covered = new Array<boolean>(size).fill(false);
          for (const s of starts) for (let i = s; i < s + roi; i++) covered[i] = true;
          expect(covered.every(Boolean)).toBe(true);
          for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
        }
      }
    }
  });

  it('rejects bad arguments', () => {
    expect(() => windowStarts(3, 4, 0.5)).toThrow(/windowStarts: size is 3; expected an integer >= 4/);
    expect(() => windowStarts(10, 4, 1)).toThrow(UnetKitError);
    expect(() => windowStarts(10, 0, 0.5)).toThrow(/roi/);
  });
});
