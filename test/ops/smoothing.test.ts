import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussianKernel1d, smoothSpatial } from '../../src/ops/smoothing.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat, rampImage } from '../augment/helpers.js';

/** Independent float64 reference: direct 1D convolution along one axis with scipy's 'reflect' border. */
function reference1d(values: number[], taps: number[]): number[] {
  const r = (taps.length - 1) / 2;
  const n = values.length;
  const at = (i: number): number => {
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
    return values[j]!;
  };
  return values.map((_, i) => taps.reduce((sum, t, k) => sum + t * at(i + k - r), 0));
}

describe('gaussianKernel1d', () => {
  it('has radius round(4 sigma), sums to 1, is symmetric', () => {
    const taps = gaussianKernel1d(1);
    expect(taps.length).toBe(9);
    expectClose(taps.reduce((a, b) => a + b, 0), 1, 1e-12);
    expectClose(taps[0], taps[8], 1e-15);
    // exp(-1/2) / exp(0) between the neighbour and the centre tap.
    expectClose(taps[5]! / taps[4]!, Math.exp(-0.5), 1e-12);
  });
});

describeEachBackend('smoothSpatial', () => {
  it('matches a float64 separable convolution with mirrored borders (2D)', async () => {
    const x = rampImage([1, 5, 7, 1]);
    const values = await flat(x);
    const y = await expectNoLeak(() => smoothSpatial(x, [0.8, 1.3]));
    // Reference: rows along H with sigma 0.8, then along W with sigma 1.3.
    const tH = gaussianKernel1d(0.8);
    const tW = gaussianKernel1d(1.3);
    const grid = Array.from({ length: 5 }, (_, i) => values.slice(i * 7, i * 7 + 7));
    const cols = Array.from({ length: 7 }, (_, j) => reference1d(grid.map((row) => row[j]!), tH));
    const afterH = grid.map((_, i) => cols.map((c) => c[i]!));
    const expected = afterH.flatMap((row) => reference1d(row, tW));
    expectClose(await flat(y), expected, 1e-5);
    tf.dispose([x, y]);
  });

  it('keeps a constant volume constant (3D)', async () => {
    const x = tf.fill([1, 4, 5, 6, 2], 3.5);
    const y = smoothSpatial(x, [2, 2, 2]);
    expectClose(await flat(y), new Array(240).fill(3.5), 1e-6);
    tf.dispose([x, y]);
  });
});
