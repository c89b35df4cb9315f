import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { averageSurfaceDistance } from '../../src/metrics/averageSurfaceDistance.js';
import { expectClose } from '../helpers/numeric.js';
import { bruteEdges, bruteSurfaceDistances, randomMask } from './bruteForce.js';
import type { Metric } from './bruteForce.js';
import { scatteredPoints, shiftedCubes, twoPoints } from './fixtures.js';

const m = (data: Uint8Array, shape: number[]) => ({ data, shape });
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('averageSurfaceDistance', () => {
  it('1D scattered points: directed by default (MONAI), symmetric pools both directions', () => {
    const { pred, target, shape } = scatteredPoints();
    const p = m(pred, shape);
    const t = m(target, shape);
    // d(P->T) = [0, 2, 5, 9] -> 16 / 4 = 4;  d(T->P) = [0] -> 0
    expectClose(averageSurfaceDistance(p, t), [[4]]);
    expectClose(averageSurfaceDistance(t, p), [[0]]);
    // symmetric: mean of the 5 pooled distances, (0 + 2 + 5 + 9 + 0) / 5 = 3.2 (not (4 + 0) / 2)
    expectClose(averageSurfaceDistance(p, t, { symmetric: true }), [[3.2]]);
    // spacing 0.5 halves every distance; taxicab = euclidean in 1D
    expectClose(averageSurfaceDistance(p, t, { symmetric: true, spacing: 0.5, distance: 'taxicab' }), [[1.6]]);
  });

  it('3D shifted cubes, spacing [3, 1, 1]', () => {
    const { pred, target, shape } = shiftedCubes();
    // d(P->T) = [0 x16, 1, 3 x9] -> (1 + 27) / 26 = 14 / 13; T->P is the mirror image -> same
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), { spacing: [3, 1, 1] }), [[14 / 13]]);
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), { spacing: [3, 1, 1], symmetric: true }), [[14 / 13]]);
    // unit spacing: 10 of 26 at distance 1 -> 10 / 26
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape)), [[10 / 26]]);
  });

  it('2D single voxels with each metric', () => {
    const { pred, target, shape } = twoPoints();
    // offset (1, 3) with spacing [2, 1]: (2, 3) -> sqrt(13), 5, 3
    const o = { spacing: [2, 1], symmetric: true };
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), o), [[Math.sqrt(13)]]);
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), { ...o, distance: 'taxicab' }), [[5]]);
    expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), { ...o, distance: 'chessboard' }), [[3]]);
  });

  it('invariants: 0 on identical masks; symmetric ASD is symmetric', () => {
    const rng = createRng(4);
    const shape = [1, 6, 5, 4, 1];
    for (let trial = 0; trial < 4; trial++) {
      const a = m(randomMask(rng, 120, 0.4), shape);
      const b = m(randomMask(rng, 120, 0.4), shape);
      expect(averageSurfaceDistance(a, a, { symmetric: true })).toEqual([[0]]);
      expectClose(averageSurfaceDistance(a, b, { symmetric: true }), averageSurfaceDistance(b, a, { symmetric: true }), 1e-12);
    }
  });

  it('matches brute force on random 2D / 3D masks, isotropic and anisotropic', () => {
    const rng = createRng(8);
    for (const spatial of [[9, 10], [5, 6, 7]]) {
      const voxels = spatial.reduce((a, b) => a * b, 1);
      const shape = [1, ...spatial, 1];
      for (const anisotropic of [false, true]) {
        const spacing = spatial.map(() => (anisotropic ? rng.uniform(0.5, 3) : 1));
        const pred = randomMask(rng, voxels, 0.3);
        const target = randomMask(rng, voxels, 0.3);
        const ep = bruteEdges(pred, spatial);
        const et = bruteEdges(target, spatial);
        for (const distance of ['euclidean', 'taxicab', 'chessboard'] as Metric[]) {
          const forward = bruteSurfaceDistances(ep, et, spacing, distance);
          const backward = bruteSurfaceDistances(et, ep, spacing, distance);
          expectClose(averageSurfaceDistance(m(pred, shape), m(target, shape), { spacing, distance }), [[mean(forward)]], 1e-9);
          expectClose(
            averageSurfaceDistance(m(pred, shape), m(target, shape), { spacing, distance, symmetric: true }),
            [[mean([...forward, ...backward])]],
            1e-9,
          );
        }
      }
    }
  });

  it('missing surfaces: Infinity by default (MONAI), NaN with missingSurface nan; both empty NaN', () => {
    const { pred, shape } = twoPoints();
    const empty = new Uint8Array(24);
    expect(averageSurfaceDistance(m(pred, shape), m(empty, shape))).toEqual([[Infinity]]);
    expect(averageSurfaceDistance(m(empty, shape), m(pred, shape))).toEqual([[Infinity]]);
    expect(averageSurfaceDistance(m(pred, shape), m(empty, shape), { missingSurface: 'nan' })[0]![0]).toBeNaN();
    expect(averageSurfaceDistance(m(empty, shape), m(empty, shape))[0]![0]).toBeNaN();
    expect(averageSurfaceDistance(m(pred, shape), m(empty, shape), { missingSurface: 'inf' })).toEqual([[Infinity]]);
    expect(averageSurfaceDistance(m(empty, shape), m(empty, shape), { missingSurface: 'inf' })[0]![0]).toBeNaN();
  });

  it('rejects bad options', () => {
    const { pred, target, shape } = twoPoints();
    expect(() => averageSurfaceDistance(m(pred, shape), m(target, shape), { symmetric: 'yes' as never })).toThrow(
      /averageSurfaceDistance: options.symmetric is 'yes'; expected true or false/,
    );
    expect(() => averageSurfaceDistance(m(pred, shape), m(target, shape), { spacing: -1 })).toThrow(/options.spacing is -1/);
    expect(() => averageSurfaceDistance(m(pred, shape), m(target, shape), { missingSurface: 'zero' as never })).toThrow(
      /options.missingSurface is 'zero'; expected one of 'nan', 'inf'/,
    );
  });
});
