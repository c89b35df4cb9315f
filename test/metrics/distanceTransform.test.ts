import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { UnetKitError } from '../../src/core/errors.js';
import { distanceTransform } from '../../src/metrics/distanceTransform.js';
import { expectClose, maxAbsDiff } from '../helpers/numeric.js';
import { bruteDistanceTransform, randomMask } from './bruteForce.js';
import type { Metric } from './bruteForce.js';

const METRICS: Metric[] = ['euclidean', 'taxicab', 'chessboard'];

describe('distanceTransform', () => {
  it('1D: distance to the nearest site, scaled by spacing', () => {
    // sites at 0 and 5: |x - 0| and |x - 5|, the smaller: 0 1 2 2 1 0
    for (const distance of METRICS) {
      expectClose(distanceTransform([1, 0, 0, 0, 0, 1], [6], { distance }), [0, 1, 2, 2, 1, 0]);
      // spacing 2 doubles every distance
      expectClose(distanceTransform([1, 0, 0, 0], [4], { distance, spacing: 2 }), [0, 2, 4, 6]);
    }
  });

  it('2D anisotropic: [2, 2] grid, site at (0, 0), spacing [2, 1]', () => {
    // (0,1): dx = 1 -> 1;  (1,0): dy = 1 * 2 = 2;  (1,1): dy = 2, dx = 1
    // euclidean sqrt(4 + 1) = sqrt(5); taxicab 2 + 1 = 3; chessboard max(2, 1) = 2
    const mask = [1, 0, 0, 0];
    expectClose(distanceTransform(mask, [2, 2], { spacing: [2, 1] }), [0, 1, 2, Math.sqrt(5)]);
    expectClose(distanceTransform(mask, [2, 2], { spacing: [2, 1], distance: 'taxicab' }), [0, 1, 2, 3]);
    expectClose(distanceTransform(mask, [2, 2], { spacing: [2, 1], distance: 'chessboard' }), [0, 1, 2, 2]);
  });

  it('3D: corner of a 3x3x3 grid to its centre', () => {
    const mask = new Uint8Array(27);
    mask[13] = 1; // (1, 1, 1)
    // corner (0,0,0) is one step along each axis: iso sqrt(3) / 3 / 1
    expect(distanceTransform(mask, [3, 3, 3])[0]).toBeCloseTo(Math.sqrt(3), 12);
    expect(distanceTransform(mask, [3, 3, 3], { distance: 'taxicab' })[0]).toBe(3);
    expect(distanceTransform(mask, [3, 3, 3], { distance: 'chessboard' })[0]).toBe(1);
    // spacing [1, 2, 3]: sqrt(1 + 4 + 9) = sqrt(14); 1 + 2 + 3 = 6; max = 3
    const spacing = [1, 2, 3];
    expect(distanceTransform(mask, [3, 3, 3], { spacing })[0]).toBeCloseTo(Math.sqrt(14), 12);
    expect(distanceTransform(mask, [3, 3, 3], { spacing, distance: 'taxicab' })[0]).toBe(6);
    expect(distanceTransform(mask, [3, 3, 3], { spacing, distance: 'chessboard' })[0]).toBe(3);
  });

  it('no site gives Infinity everywhere, all sites give 0', () => {
    for (const distance of METRICS) {
      expect(Array.from(distanceTransform(new Uint8Array(12), [3, 4], { distance }))).toEqual(new Array(12).fill(Infinity));
      expect(Array.from(distanceTransform(new Uint8Array(12).fill(1), [3, 4], { distance }))).toEqual(new Array(12).fill(0));
    }
  });

  it('accepts booleans and any nonzero number as a site', () => {
    expectClose(distanceTransform([false, true, false], [3]), [1, 0, 1]);
    expectClose(distanceTransform([0, 7, 0], [3]), [1, 0, 1]);
  });

  // Seeded random masks against the O(N^2) definition, for every metric, 1D to 3D,
  // isotropic and anisotropic spacing.
  const cases: { name: string; shapes: number[][]; anisotropic: boolean }[] = [
    { name: '2D isotropic', shapes: [[9, 7], [12, 12], [1, 10]], anisotropic: false },
    { name: '2D anisotropic', shapes: [[9, 7], [12, 12], [10, 1]], anisotropic: true },
    { name: '3D isotropic', shapes: [[6, 7, 5], [8, 8, 8]], anisotropic: false },
    { name: '3D anisotropic', shapes: [[6, 7, 5], [8, 8, 8], [1, 9, 4]], anisotropic: true },
  ];
  for (const { name, shapes, anisotropic } of cases) {
    it(`matches brute force on random masks, ${name}`, () => {
      const rng = createRng(anisotropic ? 17 : 5);
      for (const shape of shapes) {
        for (let trial = 0; trial < 6; trial++) {
          const size = shape.reduce((a, b) => a * b, 1);
          const mask = randomMask(rng, size, rng.uniform(0.01, 0.3));
          const spacing = shape.map(() => (anisotropic ? rng.uniform(0.4, 3.5) : 1));
          for (const distance of METRICS) {
            const fast = distanceTransform(mask, shape, { spacing, distance });
            const slow = bruteDistanceTransform(mask, shape, spacing, distance);
            expect(maxAbsDiff(fast, slow), `${distance} ${JSON.stringify(shape)} ${JSON.stringify(spacing)}`).toBeLessThan(1e-9);
          }
        }
      }
    });
  }

  it('rejects bad input with one clear error each', () => {
    expect(() => distanceTransform([1, 0], [2], { spacing: -1 })).toThrow(UnetKitError);
    expect(() => distanceTransform([1, 0], [2], { spacing: -1 })).toThrow(/options.spacing is -1; expected a finite number > 0/);
    expect(() => distanceTransform([1, 0, 0, 0], [2, 2], { spacing: [1, 0] })).toThrow(/options.spacing .*item 1 is 0/);
    expect(() => distanceTransform([1, 0, 0, 0], [2, 2], { spacing: [1, 1, 1] })).toThrow(/expected an array of 2 numbers/);
    expect(() => distanceTransform([1, 0, 0], [2, 2])).toThrow(/mask is \[1, 0, 0\]; expected an array of 4 values/);
    expect(() => distanceTransform([1], [])).toThrow(/shape is \[\]/);
    expect(() => distanceTransform([1, 0], [2], { distance: 'euclidian' as Metric })).toThrow(/Did you mean 'euclidean'\?/);
    expect(() => distanceTransform([1, 0], [2], { spasing: 1 } as never)).toThrow(/Did you mean 'spacing'\?/);
  });
});
