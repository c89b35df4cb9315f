import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { sliceStacks, stacksToVolume } from '../../src/data/sliceStacks.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

describeEachBackend('sliceStacks / stacksToVolume', () => {
  it('stacks neighbours as channels with edge replication', async () => {
    // Volume [1, 3, 1, 1, 1] with slices 10, 20, 30 along D; k = 3.
    const v = tf.tensor5d([10, 20, 30], [1, 3, 1, 1, 1]);
    const s = await expectNoLeak(() => sliceStacks(v, { axis: 0, k: 3 }));
    expect(s.shape).toEqual([3, 1, 1, 3]);
    // Slice 0: [10 (edge), 10, 20]; slice 1: [10, 20, 30]; slice 2: [20, 30, 30 (edge)].
    expect(Array.from(await s.data())).toEqual([10, 10, 20, 10, 20, 30, 20, 30, 30]);
    tf.dispose([v, s]);
  });

  it('round-trips the centre channel along every axis, batch of 2', async () => {
    const v = tf.reshape(tf.range(0, 2 * 3 * 4 * 5 * 2), [2, 3, 4, 5, 2]);
    for (const axis of [0, 1, 2]) {
      const stacks = sliceStacks(v, { axis, k: 5 });
      // Channels are slice-major: the centre slice's C = 2 channels sit at 2 * 2 .. 2 * 2 + 1.
      const centre = tf.slice(stacks, [0, 0, 0, 4], [-1, -1, -1, 2]);
      const back = await expectNoLeak(() => stacksToVolume(centre, { axis, batchSize: 2 }));
      expect(back.shape).toEqual([2, 3, 4, 5, 2]);
      expect(Array.from(await back.data())).toEqual(Array.from(await v.data()));
      tf.dispose([stacks, centre, back]);
    }
    v.dispose();
  });

  it('rejects unknown axes, even k and bad batch sizes', () => {
    const v = tf.zeros([1, 3, 3, 3, 1]);
    expect(() => sliceStacks(v, { axis: 3 })).toThrow(/sliceStacks: options.axis is 3; expected a spatial axis 0 \(D\), 1 \(H\) or 2 \(W\)/);
    expect(() => sliceStacks(v, { k: 4 })).toThrow(/options.k is 4; expected an odd number/);
    expect(() => stacksToVolume(tf.zeros([5, 2, 2, 1]), { batchSize: 2 })).toThrow(/does not divide the 5 slices/);
    v.dispose();
  });
});
