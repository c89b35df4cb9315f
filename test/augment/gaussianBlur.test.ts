import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gaussianBlur } from '../../src/augment/gaussianBlur.js';
import { smoothSpatial } from '../../src/ops/smoothing.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat, rampImage } from './helpers.js';

describeEachBackend('gaussianBlur', () => {
  it('blurs each sample with its own sigma, preserving the mean of a periodic-free image', async () => {
    const image = rampImage([2, 8, 8, 1]);
    const out = await expectNoLeak(() => gaussianBlur().apply({ image }, { sigma: [0.5, 1] }));
    const first = smoothSpatial(tf.slice(image, [0], [1]), [0.5, 0.5]);
    const second = smoothSpatial(tf.slice(image, [1], [1]), [1, 1]);
    expectClose(await flat(out.image), [...(await flat(first)), ...(await flat(second))], 1e-6);
    // Blurring lowers the variance.
    const variance = (a: number[]) => {
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      return a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length;
    };
    expect(variance((await flat(out.image)).slice(64))).toBeLessThan(variance((await flat(image)).slice(64)));
    tf.dispose([image, out.image, first, second]);
  });

  it('rejects a negative sigma', () => {
    expect(() => gaussianBlur({ sigma: [-1, 1] })).toThrow(/gaussianBlur: options.sigma\[0\] is -1/);
  });
});
