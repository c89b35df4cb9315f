import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { normalizedSurfaceDice } from '../../src/metrics/surfaceDice.js';
import { expectClose } from '../helpers/numeric.js';
import { bruteEdges, bruteSurfaceDistances, randomMask } from './bruteForce.js';
import { scatteredPoints, shiftedCubes, twoPoints } from './fixtures.js';

const m = (data: Uint8Array, shape: number[]) => ({ data, shape });

describe('normalizedSurfaceDice', () => {
  it('3D shifted cubes, spacing [3, 1, 1]: fraction of surface voxels within tolerance', () => {
    const { pred, target, shape } = shiftedCubes();
    const p = m(pred, shape);
    const t = m(target, shape);
    const spacing = [3, 1, 1];
    // each direction: d = [0 x16, 1, 3 x9] over 26 voxels
    // tau 1: (17 + 17) / (26 + 26) = 17 / 26;  tau 0.5: 32 / 52 = 8 / 13;  tau 3: 52 / 52 = 1
    expectClose(normalizedSurfaceDice(p, t, { tolerance: 1, spacing }), [[17 / 26]]);
    expectClose(normalizedSurfaceDice(p, t, { tolerance: 0.5, spacing }), [[8 / 13]]);
    expectClose(normalizedSurfaceDice(p, t, { tolerance: 3, spacing }), [[1]]);
    expectClose(normalizedSurfaceDice(p, t, { tolerance: 0, spacing }), [[16 / 26]]);
  });

  it('1D scattered points: pooled over both surfaces', () => {
    const { pred, target, shape } = scatteredPoints();
    // d(P->T) = [0, 2, 5, 9], d(T->P) = [0]; tau 2: (2 + 1) / (4 + 1) = 0.6; tau 5: 4 / 5
    expectClose(normalizedSurfaceDice(m(pred, shape), m(target, shape), { tolerance: 2 }), [[0.6]]);
    expectClose(normalizedSurfaceDice(m(pred, shape), m(target, shape), { tolerance: 5 }), [[0.8]]);
  });

  it('tolerance per class, distance metric respected', () => {
    const { pred, target } = twoPoints();
    // two channels, both holding the same pair; offset (1, 3): euclidean sqrt(10) = 3.16, chessboard 3
    const p = new Uint8Array(48);
    const t = new Uint8Array(48);
    pred.forEach((v, i) => ((p[2 * i] = v), (p[2 * i + 1] = v)));
    target.forEach((v, i) => ((t[2 * i] = v), (t[2 * i + 1] = v)));
    const shape = [1, 4, 6, 2];
    expectClose(normalizedSurfaceDice(m(p, shape), m(t, shape), { tolerance: [3, 3.2], includeBackground: true }), [[0, 1]]);
    expectClose(normalizedSurfaceDice(m(p, shape), m(t, shape), { tolerance: 3, distance: 'chessboard', includeBackground: true }), [[1, 1]]);
    // default drops channel 0, so one tolerance per remaining class
    expectClose(normalizedSurfaceDice(m(p, shape), m(t, shape), { tolerance: [3.2] }), [[1]]);
  });

  it('invariants: 1 on identical masks, symmetric, in [0, 1]; matches brute force', () => {
    const rng = createRng(21);
    const spatial = [7, 6, 5];
    const shape = [1, ...spatial, 1];
    for (let trial = 0; trial < 4; trial++) {
      const a = randomMask(rng, 210, 0.3);
      const b = randomMask(rng, 210, 0.3);
      const spacing = [rng.uniform(0.5, 2), 1, rng.uniform(1, 3)];
      const tolerance = rng.uniform(0, 3);
      expect(normalizedSurfaceDice(m(a, shape), m(a, shape), { tolerance: 0 })).toEqual([[1]]);
      const ab = normalizedSurfaceDice(m(a, shape), m(b, shape), { tolerance, spacing })[0]![0]!;
      expectClose(normalizedSurfaceDice(m(b, shape), m(a, shape), { tolerance, spacing })[0]![0], ab, 1e-12);
      const ea = bruteEdges(a, spatial);
      const eb = bruteEdges(b, spatial);
      const d = [...bruteSurfaceDistances(ea, eb, spacing, 'euclidean'), ...bruteSurfaceDistances(eb, ea, spacing, 'euclidean')];
      expectClose(ab, d.filter((x) => x <= tolerance).length / d.length, 1e-12);
    }
  });

  it('one empty mask gives 0 (MONAI), both empty NaN', () => {
    const { pred, shape } = twoPoints();
    const empty = new Uint8Array(24);
    expect(normalizedSurfaceDice(m(pred, shape), m(empty, shape), { tolerance: 1 })).toEqual([[0]]);
    expect(normalizedSurfaceDice(m(empty, shape), m(pred, shape), { tolerance: 1 })).toEqual([[0]]);
    expect(normalizedSurfaceDice(m(empty, shape), m(empty, shape), { tolerance: 1 })[0]![0]).toBeNaN();
  });

  it('rejects a missing, negative or wrongly sized tolerance', () => {
    const { pred, target, shape } = twoPoints();
    const p = m(pred, shape);
    const t = m(target, shape);
    expect(() => normalizedSurfaceDice(p, t, {} as never)).toThrow(/normalizedSurfaceDice: options.tolerance is undefined; expected a distance >= 0/);
    expect(() => normalizedSurfaceDice(p, t, undefined as never)).toThrow(/options.tolerance is undefined/);
    expect(() => normalizedSurfaceDice(p, t, { tolerance: -1 })).toThrow(/options.tolerance is -1; expected a finite number >= 0/);
    expect(() => normalizedSurfaceDice(p, t, { tolerance: [1, 2] })).toThrow(/options.tolerance is \[1, 2\]; expected an array of 1 numbers/);
    expect(() => normalizedSurfaceDice(p, t, { tolerance: 1, spacing: [0, 1] })).toThrow(/options.spacing/);
  });
});
