import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { flip } from '../../src/augment/flip.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat, labelsOf, rampImage } from './helpers.js';

describeEachBackend('flip', () => {
  it('mirrors the chosen axes per sample (hand-checked on 1 x 2 x 3)', async () => {
    // Two samples [[1, 2, 3], [4, 5, 6]] and [[7, 8, 9], [10, 11, 12]].
    const image = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3, 1]);
    const out = await expectNoLeak(() => flip().apply({ image }, { axes: [[1], [0, 1]] }));
    // Sample 0 left-right: [3, 2, 1, 6, 5, 4]; sample 1 both axes: [12, 11, 10, 9, 8, 7].
    expect(await flat(out.image)).toEqual([3, 2, 1, 6, 5, 4, 12, 11, 10, 9, 8, 7]);
    tf.dispose([image, out.image]);
  });

  it('flipping twice with the same draw is the identity (2D and 3D, image and mask)', async () => {
    for (const shape of [[4, 6, 5, 2], [3, 4, 5, 6, 1]]) {
      const image = rampImage(shape);
      const mask = labelsOf(image);
      const t = flip({ seed: 9 });
      const params = t.draw(createRng(4), shape[0]!, { image });
      const once = t.apply({ image, mask }, params);
      const twice = t.apply(once, params);
      expect(await flat(twice.image)).toEqual(await flat(image));
      expect(await flat(twice.mask!)).toEqual(await flat(mask));
      expect(await flat(once.image)).not.toEqual(await flat(image));
      tf.dispose([image, mask, once.image, once.mask!, twice.image, twice.mask!]);
    }
  });

  it('draws each axis with its probability and only from the allowed axes', () => {
    const image = tf.zeros([400, 2, 2, 2, 1]);
    const params = flip({ axes: [0, 2], probability: 0.25 }).draw(createRng(1), 400, { image });
    const all = params.axes.flat();
    expect(all.every((a) => a === 0 || a === 2)).toBe(true);
    // 800 Bernoulli(0.25) draws: mean 200, sd ~12.
    expect(all.length).toBeGreaterThan(150);
    expect(all.length).toBeLessThan(250);
    image.dispose();
  });

  it('rejects unknown axes and bad probabilities', () => {
    const image = tf.zeros([1, 4, 4, 1]);
    expect(() => flip({ axes: [2] })({ image })).toThrow(/flip: options.axes is \[2\]; axis 2 is unknown: expected spatial axes 0, 1 \(0 = H, 1 = W\)/);
    expect(() => flip({ axes: [5] })).toThrow(/axis 5 is unknown/);
    expect(() => flip({ probability: -0.1 })).toThrow(/flip: options.probability is -0.1/);
    image.dispose();
  });
});
