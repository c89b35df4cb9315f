import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { extractPatches, gaussianImportance, patchStarts, reassemblePatches } from '../../src/data/patches.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describe('patchStarts', () => {
  it('covers the axis with the last window at the edge (nnU-Net steps)', () => {
    // size 10, patch 4, overlap 0.5: target step 2 -> ceil(6 / 2) + 1 = 4 steps of 2: 0, 2, 4, 6.
    expect(patchStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]);
    // size 10, patch 4, no overlap: ceil(6 / 4) + 1 = 3 steps of 3: 0, 3, 6.
    expect(patchStarts(10, 4, 0)).toEqual([0, 3, 6]);
    expect(patchStarts(3, 4, 0)).toEqual([0]);
  });
});

describeEachBackend('extractPatches / reassemblePatches', () => {
  it('round-trips exactly with overlap, constant and gaussian weights (2D)', async () => {
    const x = tf.reshape(tf.range(0, 2 * 10 * 7), [2, 10, 7, 1]);
    const { patches, layout } = await expectNoLeak(() => extractPatches(x, [4, 4], { overlap: 0.5 }));
    // H: 0, 2, 4, 6; W: 7 -> ceil(3 / 2) + 1 = 3 steps of 1.5 -> 0, 2 (1.5 rounds to 2), 3.
    expect(layout.starts.length).toBe(4 * 3);
    expect(patches.shape).toEqual([2 * 12, 4, 4, 1]);
    for (const weighting of ['constant', 'gaussian'] as const) {
      const back = await expectNoLeak(() => reassemblePatches(patches, layout, { weighting }));
      expectClose(Array.from(await back.data()), Array.from(await x.data()), 1e-5);
      back.dispose();
    }
    tf.dispose([x, patches]);
  });

  it('pads inputs smaller than a patch and crops back (3D)', async () => {
    const x = tf.reshape(tf.range(0, 3 * 4 * 2), [1, 3, 4, 2, 1]);
    const { patches, layout } = extractPatches(x, [4, 4, 4]);
    expect(layout.pads).toEqual([[0, 1], [0, 0], [1, 1]]);
    expect(patches.shape).toEqual([1, 4, 4, 4, 1]);
    const back = reassemblePatches(patches, layout);
    expect(Array.from(await back.data())).toEqual(Array.from(await x.data()));
    expect(() => reassemblePatches(tf.zeros([2, 4, 4, 4, 1]), layout)).toThrow(/reassemblePatches: patches has shape \[2, 4, 4, 4, 1\]; the layout expects \[1, 4, 4, 4, K\]/);
    expect(() => extractPatches(x, [4, 4, 4], { overlap: 1 })).toThrow(/extractPatches: options.overlap is 1/);
    tf.dispose([x, patches, back]);
  });

  it('gaussian importance peaks at 1 in the centre and has no zeros', async () => {
    const w = gaussianImportance([5, 6]);
    const v = Array.from(await w.data());
    expect(Math.max(...v)).toBeCloseTo(1, 6);
    // Corner (0, 0): sigma 5 / 8 = 0.625 and 6 / 8 = 0.75, centres 2 and 2.5, divided by the peak (row 2, col 2 or 3).
    const corner = (Math.exp(-(2 ** 2) / (2 * 0.625 ** 2)) * Math.exp(-(2.5 ** 2) / (2 * 0.75 ** 2))) / Math.exp(-(0.5 ** 2) / (2 * 0.75 ** 2));
    expectClose(v[0], corner, 1e-4);
    expect(Math.min(...v)).toBeGreaterThan(0);
    w.dispose();
  });
});
