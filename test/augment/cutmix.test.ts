import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { cutmix } from '../../src/augment/cutmix.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat } from './helpers.js';

describeEachBackend('cutmix', () => {
  it('pastes the partner box into image and mask', async () => {
    const image = tf.concat([tf.zeros([1, 4, 4, 1]), tf.ones([1, 4, 4, 1])]);
    const mask = tf.cast(image, 'int32');
    const params = { partner: [1, 0], lambda: [0.75, 0.75], starts: [[0, 0], [2, 2]], ends: [[2, 2], [4, 4]] };
    const out = await expectNoLeak(() => cutmix().apply({ image, mask }, params));
    const v = await flat(out.image);
    // Sample 0 gets ones in rows 0..1, cols 0..1; sample 1 gets zeros in rows 2..3, cols 2..3.
    expect(v.slice(0, 16)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(v.slice(16)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(await flat(out.mask!)).toEqual(v);
    const soft = cutmix({ mask: 'soft' }).apply({ image, mask }, params);
    // Soft masks: 0.75 * own + 0.25 * partner: sample 0 all 0.25, sample 1 all 0.75.
    expectClose(await flat(soft.mask!), [...new Array(16).fill(0.25), ...new Array(16).fill(0.75)], 1e-6);
    tf.dispose([image, mask, out.image, out.mask!, soft.image, soft.mask!]);
  });

  it('draws boxes whose area-weighted lambda matches their volume (3D)', () => {
    const image = tf.zeros([20, 6, 8, 10, 1]);
    const p = cutmix({ alpha: 1 }).draw(createRng(4), 20, { image });
    p.lambda.forEach((l, s) => {
      const volume = p.starts[s]!.reduce((v, b, a) => v * (p.ends[s]![a]! - b), 1);
      expectClose(l, 1 - volume / 480, 1e-12);
      p.starts[s]!.forEach((b, a) => expect(b >= 0 && p.ends[s]![a]! <= [6, 8, 10][a]! && b <= p.ends[s]![a]!).toBe(true));
    });
    expect(() => cutmix({ mask: 'blend' as never })).toThrow(/cutmix: options.mask is 'blend'; expected one of 'paste', 'soft'/);
    image.dispose();
  });
});
