import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { rotate90 } from '../../src/augment/rotate90.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat, rampImage } from './helpers.js';

describeEachBackend('rotate90', () => {
  it('matches numpy.rot90 on a 2 x 3 array', async () => {
    // np.rot90([[0, 1, 2], [3, 4, 5]]) = [[2, 5], [1, 4], [0, 3]]; k = 3 gives [[3, 0], [4, 1], [5, 2]].
    const image = tf.reshape(tf.range(0, 6), [1, 2, 3, 1]);
    const one = await expectNoLeak(() => rotate90({ k: 1 })({ image }));
    expect(one.image.shape).toEqual([1, 3, 2, 1]);
    expect(await flat(one.image)).toEqual([2, 5, 1, 4, 0, 3]);
    const three = rotate90({ k: 3 })({ image });
    expect(await flat(three.image)).toEqual([3, 0, 4, 1, 5, 2]);
    const two = rotate90({ k: 2 })({ image });
    expect(await flat(two.image)).toEqual([5, 4, 3, 2, 1, 0]);
    tf.dispose([image, one.image, two.image, three.image]);
  });

  it('four quarter turns are the identity; rotates image and mask together in 3D', async () => {
    const image = rampImage([1, 3, 4, 4, 1]);
    const mask = tf.cast(tf.greater(image, 0.5), 'int32');
    let sample = { image, mask };
    const t = rotate90({ axes: [0, 2], k: 1 });
    const made: tf.Tensor[] = [];
    for (let i = 0; i < 4; i++) {
      sample = t(sample) as typeof sample;
      made.push(sample.image, sample.mask);
      const thresholded = await flat(tf.cast(tf.greater(sample.image, 0.5), 'int32'));
      expect(await flat(sample.mask)).toEqual(thresholded);
    }
    expect(await flat(sample.image)).toEqual(await flat(image));
    tf.dispose([image, mask, ...made]);
  });

  it('draws k uniformly from 0..3; same seed, same k', async () => {
    const image = rampImage([1, 2, 3, 1]);
    const t = rotate90();
    const ks = Array.from({ length: 200 }, (_, i) => t.draw(createRng(i), 1, { image }).k);
    expect(new Set(ks)).toEqual(new Set([0, 1, 2, 3]));
    ks.forEach((k) => expect(ks.filter((v) => v === k).length).toBeGreaterThan(25));
    const a = t({ image }, 5);
    const b = t({ image }, 5);
    expect(a.image.shape).toEqual(b.image.shape);
    expect(await flat(a.image)).toEqual(await flat(b.image));
    tf.dispose([image, a.image, b.image]);
  });

  it('rejects bad axes and k', () => {
    const image = tf.zeros([1, 4, 4, 1]);
    expect(() => rotate90({ k: 4 })).toThrow(/rotate90: options.k is 4; expected an integer >= 0 and <= 3/);
    expect(() => rotate90({ axes: [1, 1] })).toThrow(/expected two different spatial axes/);
    expect(() => rotate90({ axes: [1, 2] })({ image })).toThrow(/axis 2 is unknown/);
    image.dispose();
  });
});
