import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { minMaxNormalize, zScoreNormalize } from '../../src/data/normalize.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('minMaxNormalize / zScoreNormalize', () => {
  it('min-max scales each sample and channel; constant channels map to the low end', async () => {
    // Sample 0 channel 0: [2, 4, 6, 10] -> (x - 2) / 8; channel 1 constant 5 -> 0.
    const x = tf.tensor4d([2, 5, 4, 5, 6, 5, 10, 5], [1, 2, 2, 2]);
    const y = await expectNoLeak(() => minMaxNormalize(x));
    expectClose(Array.from(await y.data()), [0, 0, 0.25, 0, 0.5, 0, 1, 0], 1e-6);
    const z = minMaxNormalize(x, { range: [-1, 1] });
    expectClose(Array.from(await z.data()), [-1, -1, -0.5, -1, 0, -1, 1, -1], 1e-6);
    tf.dispose([x, y, z]);
  });

  it('z-scores with population std, optionally inside a mask', async () => {
    // [1, 2, 3, 6]: mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5.
    const x = tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]);
    const y = await expectNoLeak(() => zScoreNormalize(x));
    const s = Math.sqrt(3.5);
    expectClose(Array.from(await y.data()), [-2 / s, -1 / s, 0, 3 / s], 1e-5);
    // Mask [1, 1, 0, 0]: mean 1.5, std 0.5 -> [-1, 1, 3, 9]; zeroOutside -> [-1, 1, 0, 0].
    const mask = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
    const m = zScoreNormalize(x, { mask });
    expectClose(Array.from(await m.data()), [-1, 1, 3, 9], 1e-5);
    const zeroed = zScoreNormalize(x, { mask, zeroOutside: true });
    expectClose(Array.from(await zeroed.data()), [-1, 1, 0, 0], 1e-5);
    // An empty mask falls back to all voxels (no NaN).
    const empty = zScoreNormalize(x, { mask: tf.zeros([1, 2, 2, 1]) });
    expectClose(Array.from(await empty.data()), [-2 / s, -1 / s, 0, 3 / s], 1e-5);
    tf.dispose([x, y, mask, m, zeroed, empty]);
  });

  it('rejects bad input', () => {
    const x = tf.zeros([1, 2, 2, 1]);
    expect(() => zScoreNormalize(x, { mask: tf.zeros([1, 2, 3, 1]) })).toThrow(/zScoreNormalize: x and options.mask have shapes \[1, 2, 2, 1\] and \[1, 2, 3, 1\]/);
    expect(() => zScoreNormalize(x, { zeroOutside: true })).toThrow(/false when no mask is given/);
    expect(() => minMaxNormalize(tf.zeros([2, 2]))).toThrow(/minMaxNormalize: x has shape \[2, 2\] \(rank 2\); expected rank 4 or 5/);
    x.dispose();
  });
});
