import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { mixup } from '../../src/augment/mixup.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat } from './helpers.js';

describeEachBackend('mixup', () => {
  it('blends each sample and its mask with its partner by lambda', async () => {
    const image = tf.tensor4d([0, 0, 10, 10], [2, 1, 2, 1]);
    const mask = tf.tensor4d([1, 0, 0, 1], [2, 1, 2, 1], 'int32');
    const out = await expectNoLeak(() => mixup().apply({ image, mask }, { partner: [1, 0], lambda: [0.25, 0.5] }));
    // Sample 0: 0.25 * 0 + 0.75 * 10 = 7.5; sample 1: 0.5 * 10 + 0.5 * 0 = 5.
    expectClose(await flat(out.image), [7.5, 7.5, 5, 5], 1e-6);
    // Masks: 0.25 * [1, 0] + 0.75 * [0, 1] = [0.25, 0.75]; 0.5 * [0, 1] + 0.5 * [1, 0] = [0.5, 0.5].
    expect(out.mask!.dtype).toBe('float32');
    expectClose(await flat(out.mask!), [0.25, 0.75, 0.5, 0.5], 1e-6);
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('draws a permutation and lambdas in [0, 1]; rejects alpha <= 0', () => {
    const image = tf.zeros([16, 2, 2, 1]);
    const p = mixup({ alpha: 0.4 }).draw(createRng(2), 16, { image });
    expect([...p.partner].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    p.lambda.forEach((l) => expect(l >= 0 && l <= 1).toBe(true));
    expect(() => mixup({ alpha: 0 })).toThrow(/mixup: options.alpha is 0; expected a finite number > 0/);
    image.dispose();
  });
});
