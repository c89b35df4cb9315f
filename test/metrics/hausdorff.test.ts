import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { UnetKitError } from '../../src/core/errors.js';
import { hausdorffDistance } from '../../src/metrics/hausdorff.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { bruteEdges, brutePercentile, bruteSurfaceDistances, randomMask } from './bruteForce.js';
import type { Metric } from './bruteForce.js';
import { scatteredPoints, shiftedCubes, twoPoints } from './fixtures.js';

const m = (data: Uint8Array, shape: number[]) => ({ data, shape });

describe('hausdorffDistance', () => {
  it('two single voxels (offset 1, 3): each distance metric and spacing', () => {
    const { pred, target, shape } = twoPoints();
    const p = m(pred, shape);
    const t = m(target, shape);
    // offset (dy, dx) = (1, 3): euclidean sqrt(1 + 9), taxicab 1 + 3, chessboard max(1, 3)
    expectClose(hausdorffDistance(p, t), [[Math.sqrt(10)]]);
    expectClose(hausdorffDistance(p, t, { distance: 'taxicab' }), [[4]]);
    expectClose(hausdorffDistance(p, t, { distance: 'chessboard' }), [[3]]);
    // spacing [2, 1]: (2, 3) -> sqrt(13), 5, 3;  spacing [4, 1]: chessboard max(4, 3) = 4
    expectClose(hausdorffDistance(p, t, { spacing: [2, 1] }), [[Math.sqrt(13)]]);
    expectClose(hausdorffDistance(p, t, { spacing: [2, 1], distance: 'taxicab' }), [[5]]);
    expectClose(hausdorffDistance(p, t, { spacing: [4, 1], distance: 'chessboard' }), [[4]]);
    expectClose(hausdorffDistance(p, t, { spacing: 0.5 }), [[Math.sqrt(10) / 2]]);
    // MONAI (SciPy's chamfer transform) measures chessboard / taxicab in voxels: spacing ignored
    const monai = { chamferIgnoresSpacing: true };
    expectClose(hausdorffDistance(p, t, { ...monai, spacing: [2, 1], distance: 'taxicab' }), [[4]]);
    expectClose(hausdorffDistance(p, t, { ...monai, spacing: [4, 1], distance: 'chessboard' }), [[3]]);
    // euclidean keeps its spacing
    expectClose(hausdorffDistance(p, t, { ...monai, spacing: [2, 1] }), [[Math.sqrt(13)]]);
    expect(() => hausdorffDistance(p, t, { chamferIgnoresSpacing: 1 as never })).toThrow(/hausdorffDistance: options.chamferIgnoresSpacing is 1/);
  });

  it('1D scattered points: max, percentiles (numpy linear interpolation), directed', () => {
    const { pred, target, shape } = scatteredPoints();
    const p = m(pred, shape);
    const t = m(target, shape);
    // d(P->T) = [0, 2, 5, 9]; d(T->P) = [0] (target's only voxel is also in pred)
    expectClose(hausdorffDistance(p, t), [[9]]);
    // p95: h = 3 * 0.95 = 2.85 -> 5 + 0.85 * (9 - 5) = 8.4;  p50: h = 1.5 -> 2 + 0.5 * 3 = 3.5
    expectClose(hausdorffDistance(p, t, { percentile: 95 }), [[8.4]]);
    expectClose(hausdorffDistance(p, t, { percentile: 50 }), [[3.5]]);
    expectClose(hausdorffDistance(p, t, { percentile: 0 }), [[0]]);
    // directed keeps d(P->T) only; the other direction is d(T->P) = 0
    expectClose(hausdorffDistance(p, t, { percentile: 95, directed: true }), [[8.4]]);
    expectClose(hausdorffDistance(t, p, { percentile: 95, directed: true }), [[0]]);
  });

  it('3D cubes shifted by one voxel, spacing [3, 1, 1]', () => {
    const { pred, target, shape } = shiftedCubes();
    const p = m(pred, shape);
    const t = m(target, shape);
    // Unit spacing: every surface voxel is 0 or 1 voxel from the other surface -> HD 1.
    expectClose(hausdorffDistance(p, t), [[1]]);
    // Spacing [3, 1, 1]: of pred's 26 surface voxels, its new layer z = 4 (9 voxels) is 3 away
    // (target's face z = 3), its face-centre (2, 2, 2) is 1 away (target rim (2, 1, 2)), the
    // other 16 lie on target's surface: sorted d = [0 x16, 1, 3 x9]; T->P is the mirror image.
    expectClose(hausdorffDistance(p, t, { spacing: [3, 1, 1] }), [[3]]);
    // p95: h = 25 * 0.95 = 23.75, d[23] = d[24] = 3 -> 3
    expectClose(hausdorffDistance(p, t, { spacing: [3, 1, 1], percentile: 95 }), [[3]]);
    // p62: h = 15.5 -> 0 + 0.5 * (1 - 0) = 0.5;  p64: h = 16 -> d[16] = 1
    expectClose(hausdorffDistance(p, t, { spacing: [3, 1, 1], percentile: 62 }), [[0.5]]);
    expectClose(hausdorffDistance(p, t, { spacing: [3, 1, 1], percentile: 64 }), [[1]]);
  });

  it('invariants: 0 for identical masks, symmetric unless directed, spacing scales it', () => {
    const rng = createRng(11);
    const shape = [1, 9, 8, 1];
    for (let trial = 0; trial < 5; trial++) {
      const a = m(randomMask(rng, 72, 0.4), shape);
      const b = m(randomMask(rng, 72, 0.4), shape);
      expect(hausdorffDistance(a, a, { percentile: 95 })).toEqual([[0]]);
      expect(hausdorffDistance(a, b, { percentile: 95 })).toEqual(hausdorffDistance(b, a, { percentile: 95 }));
      const hd = hausdorffDistance(a, b)[0]![0]!;
      expectClose(hausdorffDistance(a, b, { spacing: 2.5 }), [[2.5 * hd]]);
      const directed = Math.max(hausdorffDistance(a, b, { directed: true })[0]![0]!, hausdorffDistance(b, a, { directed: true })[0]![0]!);
      expectClose(directed, hd);
    }
  });

  it('missing surfaces: Infinity by default (as MONAI), NaN with missingSurface nan; both empty is NaN', () => {
    const empty = new Uint8Array(24);
    const { pred, shape } = twoPoints();
    expect(hausdorffDistance(m(empty, shape), m(pred, shape))).toEqual([[Infinity]]);
    expect(hausdorffDistance(m(pred, shape), m(empty, shape), { percentile: 95 })).toEqual([[Infinity]]);
    expect(hausdorffDistance(m(empty, shape), m(empty, shape))[0]![0]).toBeNaN();
    expect(hausdorffDistance(m(empty, shape), m(pred, shape), { missingSurface: 'nan' })[0]![0]).toBeNaN();
    expect(hausdorffDistance(m(pred, shape), m(empty, shape), { missingSurface: 'nan', percentile: 95 })[0]![0]).toBeNaN();
    expect(hausdorffDistance(m(empty, shape), m(pred, shape), { missingSurface: 'inf' })).toEqual([[Infinity]]);
    expect(hausdorffDistance(m(empty, shape), m(empty, shape), { missingSurface: 'inf' })[0]![0]).toBeNaN();
  });

  it('per sample and class; background channel skipped unless includeBackground', () => {
    // [2, 20, 2]: channel 1 holds the scattered-points masks (sample 1 with pred/target swapped),
    // channel 0 their complement (a background channel).
    const { pred, target } = scatteredPoints();
    const pack = (s0: Uint8Array, s1: Uint8Array): Uint8Array => {
      const out = new Uint8Array(80);
      [s0, s1].forEach((s, b) => s.forEach((v, i) => ((out[(b * 20 + i) * 2] = 1 - v), (out[(b * 20 + i) * 2 + 1] = v))));
      return out;
    };
    const p = m(pack(pred, target), [2, 20, 2]);
    const t = m(pack(target, pred), [2, 20, 2]);
    // sample 0: d(P->T) = [0, 2, 5, 9] -> directed p95 8.4; sample 1 swaps them -> d = [0] -> 0
    expectClose(hausdorffDistance(p, t, { percentile: 95, directed: true }), [[8.4], [0]]);
    expectClose(hausdorffDistance(p, t, { percentile: 95 }), [[8.4], [8.4]]);
    const withBackground = hausdorffDistance(p, t, { includeBackground: true });
    expect(withBackground.map((row) => row.length)).toEqual([2, 2]);
    expectClose(withBackground[0]![1], 9);
    // background channel of sample 0: brute-force reference
    const bg = (x: Uint8Array) => Array.from(x, (v) => 1 - v);
    const ep = bruteEdges(bg(pred), [20]);
    const et = bruteEdges(bg(target), [20]);
    const expected = Math.max(
      brutePercentile(bruteSurfaceDistances(ep, et, [1], 'euclidean'), undefined),
      brutePercentile(bruteSurfaceDistances(et, ep, [1], 'euclidean'), undefined),
    );
    expectClose(withBackground[0]![0], expected);
  });

  const randomCases = [
    { name: '2D isotropic', shape: [2, 10, 12, 1], anisotropic: false },
    { name: '2D anisotropic', shape: [2, 11, 9, 1], anisotropic: true },
    { name: '3D isotropic', shape: [1, 6, 7, 8, 1], anisotropic: false },
    { name: '3D anisotropic', shape: [1, 7, 6, 5, 1], anisotropic: true },
  ];
  for (const { name, shape, anisotropic } of randomCases) {
    it(`HD, HD95 and directed HD match brute force on random masks, ${name}`, () => {
      const rng = createRng(anisotropic ? 101 : 202);
      const spatial = shape.slice(1, -1);
      const voxels = spatial.reduce((a, b) => a * b, 1);
      for (let trial = 0; trial < 4; trial++) {
        const pred = new Uint8Array(voxels * shape[0]!);
        const target = new Uint8Array(voxels * shape[0]!);
        for (let b = 0; b < shape[0]!; b++) {
          pred.set(randomMask(rng, voxels, rng.uniform(0.05, 0.5)), b * voxels);
          target.set(randomMask(rng, voxels, rng.uniform(0.05, 0.5)), b * voxels);
        }
        const spacing = spatial.map(() => (anisotropic ? rng.uniform(0.5, 3) : 1));
        for (const distance of ['euclidean', 'taxicab', 'chessboard'] as Metric[]) {
          for (const percentile of [undefined, 95, 50]) {
            const fast = hausdorffDistance(m(pred, shape), m(target, shape), { spacing, distance, percentile });
            const fastDirected = hausdorffDistance(m(pred, shape), m(target, shape), { spacing, distance, percentile, directed: true });
            for (let b = 0; b < shape[0]!; b++) {
              const ep = bruteEdges(pred.subarray(b * voxels, (b + 1) * voxels), spatial);
              const et = bruteEdges(target.subarray(b * voxels, (b + 1) * voxels), spatial);
              const forward = brutePercentile(bruteSurfaceDistances(ep, et, spacing, distance), percentile);
              const backward = brutePercentile(bruteSurfaceDistances(et, ep, spacing, distance), percentile);
              expectClose(fast[b]![0], Math.max(forward, backward), 1e-9, `${distance} p${percentile} sample ${b}`);
              expectClose(fastDirected[b]![0], forward, 1e-9, `directed ${distance} p${percentile} sample ${b}`);
            }
          }
        }
      }
    });
  }

  it('rejects bad input with one clear error each', () => {
    const { pred, target, shape } = twoPoints();
    const p = m(pred, shape);
    const t = m(target, shape);
    expect(() => hausdorffDistance(p, m(target.subarray(0, 20), [1, 4, 5, 1]))).toThrow(
      /hausdorffDistance: pred and target have shapes \[1, 4, 6, 1\] and \[1, 4, 5, 1\]; expected the same shape/,
    );
    expect(() => hausdorffDistance(m(pred, [4, 6]), m(target, [4, 6]))).toThrow(/pred has shape \[4, 6\] \(rank 2\); expected rank >= 3/);
    expect(() => hausdorffDistance(p, t, { spacing: [1, -2] })).toThrow(/hausdorffDistance: options.spacing .*item 1 is -2/);
    expect(() => hausdorffDistance(p, t, { spacing: [1, 1, 1] })).toThrow(/options.spacing .*expected an array of 2 numbers/);
    expect(() => hausdorffDistance(p, t, { percentile: 101 })).toThrow(/options.percentile is 101; expected a finite number >= 0 and <= 100/);
    const soft = new Float32Array(24);
    soft[3] = 0.5;
    expect(() => hausdorffDistance({ data: soft, shape }, t)).toThrow(
      /pred has value 0.5 at flat index 3; expected a binary mask of 0 and 1/,
    );
    expect(() => hausdorffDistance(p, t, { distance: 'manhattan' as Metric })).toThrow(/options.distance is 'manhattan'; expected one of/);
    expect(() => hausdorffDistance(p, t, { percentil: 95 } as never)).toThrow(/Did you mean 'percentile'\?/);
    expect(() => hausdorffDistance(m(pred, [1, 2, 2]), t)).toThrow(/pred.data is Uint8Array\(24\); expected an array of 4 values/);
    expect(() => hausdorffDistance([1, 0] as never, t)).toThrow(UnetKitError);
  });
});

describeEachBackend('hausdorffDistance on tensors', () => {
  it('reads float and bool tensors like arrays, leaks nothing and disposes nothing', async () => {
    const { pred, target, shape } = shiftedCubes();
    const p = tf.tensor(Float32Array.from(pred), shape);
    const t = tf.cast(tf.tensor(Int32Array.from(target), shape, 'int32'), 'bool');
    const result = await expectNoLeak(() => hausdorffDistance(p, t, { spacing: [3, 1, 1], percentile: 95 }));
    expectClose(result, [[3]]);
    expect(p.isDisposed || t.isDisposed).toBe(false);
    tf.dispose([p, t]);
    expect(() => hausdorffDistance(p, t)).toThrow(/pred is tensor of shape .*; expected a tensor that is not disposed/);
  });
});
