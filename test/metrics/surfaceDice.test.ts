import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { normalizedSurfaceDice } from '../../src/metrics/surfaceDice.js';
import { neighbourCodeMeasures } from '../../src/metrics/surfaceElements.js';
import { expectClose } from '../helpers/numeric.js';
import { bruteEdges, bruteSurfaceDistances, coordsOf, pointDistance, randomMask } from './bruteForce.js';
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

describe('normalizedSurfaceDice with useSubvoxels (MONAI use_subvoxels=True)', () => {
  /** 8x8 image, layout [1, 8, 8, 1], with the 3x3 square rows 2..4, columns c0..c0+2. */
  const square = (c0: number): Uint8Array => {
    const mask = new Uint8Array(64);
    for (let r = 2; r <= 4; r++) for (let c = c0; c <= c0 + 2; c++) mask[r * 8 + c] = 1;
    return mask;
  };
  const shape2d = [1, 8, 8, 1];

  it('2D squares shifted along axis 1: boundary lengths weigh the matched elements', () => {
    // The boundary of a 3x3 square is an octagon on the dual grid: 4 cells of length s1 (top, bottom),
    // 4 of length s0 (left, right), 4 corner cuts of g = |s| / 2. Shifted by one column, the pred's
    // top/bottom cells and its two right-hand corners lie on the target's boundary (d = 0); its right
    // side is min(s0, s1) away, its left side and left corners s1. Symmetric for the target.
    const p = m(square(2), shape2d);
    const t = m(square(3), shape2d);
    const g = Math.sqrt(5) / 2; // spacing [1, 2]
    const total = 4 * g + 4 * 2 + 4 * 1;
    const nsd = (tolerance: number, spacing: number[]) => normalizedSurfaceDice(p, t, { tolerance, spacing, useSubvoxels: true });
    expectClose(nsd(1, [1, 2]), [[(2 * g + 8 + 2) / total]], 1e-12); // right side (d = 1) in, left side and corners (d = 2) out
    expectClose(nsd(0, [1, 2]), [[(2 * g + 8) / total]], 1e-12);
    expectClose(nsd(2, [1, 2]), [[1]], 1e-12);
    // spacing [2, 1]: every distance is 0 or 1
    expectClose(nsd(1, [2, 1]), [[1]], 1e-12);
    expectClose(nsd(0.5, [2, 1]), [[(2 * g + 4) / (4 * g + 4 + 8)]], 1e-12);
    // the voxel-count default differs: 8 edge voxels each, distances 0 or 1 along axis 1
    expect(normalizedSurfaceDice(p, t, { tolerance: 1, spacing: [1, 2] })[0]![0]).not.toBeCloseTo(nsd(1, [1, 2])[0]![0]!, 3);
  });

  it('3D single voxels: the dual cells around each voxel, distances with spacing', () => {
    const spatial = [4, 4, 4];
    const at = (z: number, y: number, x: number): Uint8Array => {
      const mask = new Uint8Array(64);
      mask[(z * 4 + y) * 4 + x] = 1;
      return mask;
    };
    const shape = [1, ...spatial, 1];
    const options = (tolerance: number) => ({ tolerance, spacing: [1, 2, 3], useSubvoxels: true });
    // 8 equal corner cells each; offset (1, 1, 0): 2 shared cells, the others s0 = 1, s1 = 2, |(1, 2)| away
    const p = m(at(1, 1, 1), shape);
    const t = m(at(2, 2, 1), shape);
    expectClose(normalizedSurfaceDice(p, t, options(0.5)), [[2 / 8]], 1e-12);
    expectClose(normalizedSurfaceDice(p, t, options(1)), [[4 / 8]], 1e-12);
    expectClose(normalizedSurfaceDice(p, t, options(2)), [[6 / 8]], 1e-12);
    expectClose(normalizedSurfaceDice(p, t, options(Math.sqrt(5))), [[1]], 1e-12);
  });

  it('3D bar against its first voxel: corner triangles and edge rectangles weigh differently', () => {
    const [s0, s1, s2] = [2, 1, 0.5];
    const bar = new Uint8Array(64);
    bar[(1 * 4 + 1) * 4 + 1] = 1;
    bar[(1 * 4 + 1) * 4 + 2] = 1; // two voxels along axis 2
    const first = new Uint8Array(64);
    first[(1 * 4 + 1) * 4 + 1] = 1;
    const corner = Math.hypot(s1 * s2, s0 * s2, s0 * s1) / 8;
    const side = (s2 * Math.hypot(s0, s1)) / 2;
    // the bar: 8 corner cells and 4 side cells; the voxel: 8 corner cells, all on the bar's boundary.
    // Only the bar's 4 far corner cells are off the voxel's boundary, s2 away.
    const shape = [1, 4, 4, 4, 1];
    const nsd = (tolerance: number) => normalizedSurfaceDice(m(bar, shape), m(first, shape), { tolerance, spacing: [s0, s1, s2], useSubvoxels: true });
    expectClose(nsd(0.4), [[(12 * corner + 4 * side) / (16 * corner + 4 * side)]], 1e-12);
    expectClose(nsd(0.5), [[1]], 1e-12);
  });

  it('matches a brute-force reference on random masks, 2D and 3D, also with chamfer metrics', () => {
    const rng = createRng(5);
    for (const spatial of [[9, 7], [6, 5, 4]]) {
      const size = spatial.reduce((a, b) => a * b, 1);
      for (let trial = 0; trial < 3; trial++) {
        const a = randomMask(rng, size, 0.35);
        const b = randomMask(rng, size, 0.35);
        const spacing = spatial.map(() => rng.uniform(0.5, 2.5));
        const tolerance = rng.uniform(0, 2.5);
        for (const distance of ['euclidean', 'taxicab'] as const) {
          const got = normalizedSurfaceDice(m(a, [1, ...spatial, 1]), m(b, [1, ...spatial, 1]), { tolerance, spacing, distance, useSubvoxels: true });
          expectClose(got, [[bruteSubvoxelNsd(a, b, spatial, spacing, tolerance, distance)]], 1e-12);
        }
        // MONAI's chamfer distances ignore the spacing; its areas keep it
        const options = { tolerance, spacing, distance: 'chessboard', chamferIgnoresSpacing: true, useSubvoxels: true } as const;
        const unit = spatial.map(() => 1);
        const got = normalizedSurfaceDice(m(a, [1, ...spatial, 1]), m(b, [1, ...spatial, 1]), options);
        expectClose(got, [[bruteSubvoxelNsd(a, b, spatial, spacing, tolerance, 'chessboard', unit)]], 1e-12);
      }
    }
  });

  it('empty masks as the default mode: one empty 0, both NaN; identical masks 1', () => {
    const empty = new Uint8Array(64);
    const s = m(square(2), shape2d);
    const e = m(empty, shape2d);
    expect(normalizedSurfaceDice(s, e, { tolerance: 1, useSubvoxels: true })).toEqual([[0]]);
    expect(normalizedSurfaceDice(e, s, { tolerance: 1, useSubvoxels: true })).toEqual([[0]]);
    expect(normalizedSurfaceDice(e, e, { tolerance: 1, useSubvoxels: true })[0]![0]).toBeNaN();
    expect(normalizedSurfaceDice(s, s, { tolerance: 0, useSubvoxels: true, spacing: [0.3, 4] })).toEqual([[1]]);
  });

  it('rejects sub-voxels outside 2D/3D and a non-boolean flag', () => {
    const { pred, target, shape } = scatteredPoints();
    expect(() => normalizedSurfaceDice(m(pred, shape), m(target, shape), { tolerance: 1, useSubvoxels: true })).toThrow(
      /normalizedSurfaceDice: options.useSubvoxels is true; expected false for 1D masks/,
    );
    const s = m(square(2), shape2d);
    expect(() => normalizedSurfaceDice(s, s, { tolerance: 1, useSubvoxels: 'yes' as never })).toThrow(/options.useSubvoxels is 'yes'; expected true or false/);
  });
});

/** Sub-voxel NSD on the whole padded grid (no cropping), every boundary cell against every other. */
function bruteSubvoxelNsd(
  a: Uint8Array,
  b: Uint8Array,
  spatial: number[],
  spacing: number[],
  tolerance: number,
  distance: 'euclidean' | 'taxicab' | 'chessboard',
  distanceSpacing = spacing,
): number {
  const table = neighbourCodeMeasures(spacing);
  const rank = spatial.length;
  const cells = spatial.map((n) => n + 1);
  const cellCount = cells.reduce((x, y) => x * y, 1);
  const value = (mask: Uint8Array, c: number[]): number => {
    if (c.some((v, k) => v < 0 || v >= spatial[k]!)) return 0;
    let i = 0;
    for (let k = 0; k < rank; k++) i = i * spatial[k]! + c[k]!;
    return mask[i]!;
  };
  const boundary = (mask: Uint8Array): { at: number[]; area: number }[] => {
    const out: { at: number[]; area: number }[] = [];
    for (let i = 0; i < cellCount; i++) {
      const cell = coordsOf(i, cells);
      let code = 0;
      for (let k = 0; k < 1 << rank; k++) {
        const corner = cell.map((v, axis) => v - 1 + ((k >> (rank - 1 - axis)) & 1));
        code |= value(mask, corner) << ((1 << rank) - 1 - k);
      }
      if (code !== 0 && code !== (1 << (1 << rank)) - 1) out.push({ at: cell, area: table[code]! });
    }
    return out;
  };
  const pa = boundary(a);
  const pb = boundary(b);
  let matched = 0;
  let total = 0;
  for (const [from, to] of [[pa, pb], [pb, pa]] as const) {
    for (const { at, area } of from) {
      total += area;
      if (Math.min(...to.map((o) => pointDistance(at, o.at, distanceSpacing, distance))) <= tolerance) matched += area;
    }
  }
  return matched / total;
}
