import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { simulateLowResolution } from '../../src/augment/simulateLowResolution.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat, rampImage } from './helpers.js';

describeEachBackend('simulateLowResolution', () => {
  it('zoom 1 is the identity; zoom 0.5 of a 1D-constant checkerboard loses detail', async () => {
    const image = rampImage([2, 8, 8, 1]);
    const same = await expectNoLeak(() => simulateLowResolution().apply({ image }, { zoom: [1, 1] }));
    expect(await flat(same.image)).toEqual(await flat(image));
    // Stripes 0, 1, 0, 1 along W: nearest downsampling by 2 keeps every second column (half-pixel
    // centres read columns 1, 3, 5, 7 -> all 1), so the upsampled image is constant 1.
    const stripes = tf.tile(tf.reshape(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1]), [1, 1, 8, 1]), [1, 8, 1, 1]);
    const low = simulateLowResolution().apply({ image: stripes }, { zoom: [0.5] });
    expect(low.image.shape).toEqual([1, 8, 8, 1]);
    expectClose(await flat(low.image), new Array(64).fill(1), 1e-6);
    expect(() => simulateLowResolution({ zoom: [0, 1] })).toThrow(/simulateLowResolution: options.zoom\[0\] is 0/);
    tf.dispose([image, same.image, stripes, low.image]);
  });
});
