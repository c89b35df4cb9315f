import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { foregroundCrop } from '../../src/augment/foregroundCrop.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat } from './helpers.js';

describeEachBackend('foregroundCrop', () => {
  // 12 x 12 mask with a single foreground voxel at (9, 2).
  const setup = () => {
    const values = new Array(144).fill(0);
    values[9 * 12 + 2] = 1;
    const mask = tf.tensor4d(values, [1, 12, 12, 1], 'int32');
    const image = tf.reshape(tf.range(0, 144), [1, 12, 12, 1]);
    return { image, mask };
  };

  it('pos-only crops contain the foreground voxel; centres move inwards to fit', async () => {
    const { image, mask } = setup();
    const t = foregroundCrop([4, 4], { pos: 1, neg: 0, numSamples: 3 });
    const params = t.draw(createRng(1), 1, { image, mask });
    // Centre (9, 2): start (9 - 2, 2 - 2) = (7, 0), inside the 12 x 12 array.
    expect(params.starts).toEqual([[7, 0], [7, 0], [7, 0]]);
    expect(params.positive).toEqual([true, true, true]);
    const out = await expectNoLeak(() => t.apply({ image, mask }, params));
    expect(out.image.shape).toEqual([3, 4, 4, 1]);
    expect((await flat(out.mask!)).filter((v) => v === 1).length).toBe(3);
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('follows the pos / (pos + neg) ratio', () => {
    const { image, mask } = setup();
    const params = foregroundCrop([4, 4], { pos: 1, neg: 3, numSamples: 400 }).draw(createRng(2), 1, { image, mask });
    const positives = params.positive.filter(Boolean).length;
    // Binomial(400, 0.25): mean 100, sd ~8.7.
    expect(positives).toBeGreaterThan(70);
    expect(positives).toBeLessThan(130);
    params.starts.forEach(([r, c]) => expect(r! >= 0 && r! <= 8 && c! >= 0 && c! <= 8).toBe(true));
    tf.dispose([image, mask]);
  });

  it('falls back to background when there is no foreground, and needs a mask', () => {
    const image = tf.zeros([1, 6, 6, 1]);
    const mask = tf.zeros([1, 6, 6, 1], 'int32');
    const params = foregroundCrop([2, 2], { pos: 1, neg: 0 }).draw(createRng(3), 1, { image, mask });
    expect(params.positive).toEqual([false]);
    expect(() => foregroundCrop([2, 2])({ image })).toThrow(/foregroundCrop: sample.mask is undefined; expected a mask tensor/);
    expect(() => foregroundCrop([2, 2], { pos: 0, neg: 0 })).toThrow(/weights that are not both 0/);
    tf.dispose([image, mask]);
  });
});
