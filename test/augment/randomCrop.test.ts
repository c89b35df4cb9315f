import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { randomCrop } from '../../src/augment/randomCrop.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat, labelsOf } from './helpers.js';

describeEachBackend('randomCrop', () => {
  it('cuts the same window from image and mask, per sample', async () => {
    // Image value = flat index, so a window is identified by its first value.
    const image = tf.reshape(tf.range(0, 2 * 6 * 5), [2, 6, 5, 1]);
    const mask = labelsOf(tf.div(image, 60));
    const out = await expectNoLeak(() => randomCrop([3, 2]).apply({ image, mask }, { starts: [[1, 2], [3, 0]] }));
    expect(out.image.shape).toEqual([2, 3, 2, 1]);
    // Sample 0 rows 1..3, cols 2..3: 7, 8, 12, 13, 17, 18; sample 1 (offset 30) rows 3..5, cols 0..1.
    expect(await flat(out.image)).toEqual([7, 8, 12, 13, 17, 18, 45, 46, 50, 51, 55, 56]);
    const expectedMask = await flat(labelsOf(tf.div(out.image, 60)));
    expect(await flat(out.mask!)).toEqual(expectedMask);
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('draws starts inside the volume (3D), seedable', async () => {
    const image = tf.zeros([30, 5, 6, 7, 1]);
    const params = randomCrop([2, 6, 3]).draw(createRng(1), 30, { image });
    params.starts.forEach(([d, h, w]) => {
      expect(d! >= 0 && d! <= 3).toBe(true);
      expect(h).toBe(0);
      expect(w! >= 0 && w! <= 4).toBe(true);
    });
    expect(new Set(params.starts.map((s) => s[0])).size).toBe(4);
    const t = randomCrop([2, 2, 2]);
    const small = tf.reshape(tf.range(0, 5 * 6 * 7), [1, 5, 6, 7, 1]);
    const a = t({ image: small }, 3);
    const b = t({ image: small }, 3);
    expect(await flat(a.image)).toEqual(await flat(b.image));
    tf.dispose([image, small, a.image, b.image]);
  });

  it('rejects crops larger than the input or of the wrong rank', () => {
    const image = tf.zeros([1, 4, 4, 1]);
    expect(() => randomCrop([5, 4])({ image })).toThrow(/randomCrop: size is \[5, 4\]; expected sizes no larger than the sample's spatial shape \[4, 4\]/);
    expect(() => randomCrop([2, 2, 2])({ image })).toThrow(/has 3 axes but the sample has 2 spatial axes/);
    expect(() => randomCrop([0, 2])).toThrow(/randomCrop: size/);
    image.dispose();
  });
});
