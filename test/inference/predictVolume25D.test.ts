import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { predictVolume25D } from '../../src/inference/predictVolume25D.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose, maxAbsDiff } from '../helpers/numeric.js';

const centre = (k: number) => (x: tf.Tensor): tf.Tensor => tf.slice(x, [0, 0, 0, (k - 1) / 2], [-1, -1, -1, 1]);
const meanOfStack = (x: tf.Tensor): tf.Tensor => tf.mean(x, -1, true);

describeEachBackend('predictVolume25D', () => {
  it('gives the volume back with a centre-slice predictor, for every axis', async () => {
    const volume = tf.tensor(Float32Array.from({ length: 2 * 5 * 4 * 3 }, (_, i) => i * 0.5 - 7), [2, 5, 4, 3, 1]);
    for (const axis of [0, 1, 2]) {
      const out = await expectNoLeak(() => predictVolume25D(centre(3), volume, { axis, batchSize: 3 }));
      expect(out.shape).toEqual([2, 5, 4, 3, 1]);
      expect(maxAbsDiff(await out.data(), await volume.data())).toBe(0);
      out.dispose();
    }
    volume.dispose();
  });

  it('stacks neighbours with edge replication: mean of k = 3 slices by hand', async () => {
    // One voxel per slice, slice values 1, 2, 4, 8 along D.
    const volume = tf.tensor([1, 2, 4, 8], [1, 4, 1, 1, 1]);
    const out = await predictVolume25D(meanOfStack, volume, { k: 3 });
    // slice 0: (1 + 1 + 2) / 3; slice 1: (1 + 2 + 4) / 3; slice 2: (2 + 4 + 8) / 3; slice 3: (4 + 8 + 8) / 3.
    expectClose(await out.data(), [4 / 3, 7 / 3, 14 / 3, 20 / 3], 1e-6);
    const five = await predictVolume25D(meanOfStack, volume, { k: 5, slices: [0, 3] });
    // k = 5, slice 0: (1 + 1 + 1 + 2 + 4) / 5 = 1.8; slice 3: (2 + 4 + 8 + 8 + 8) / 5 = 6.
    expect(five.shape).toEqual([1, 2, 1, 1, 1]);
    expectClose(await five.data(), [1.8, 6], 1e-6);
    tf.dispose([volume, out, five]);
  });

  it('predicts only the chosen slices and can use sliding windows per slice', async () => {
    const volume = tf.tensor(Float32Array.from({ length: 6 * 10 * 9 }, (_, i) => Math.sin(i)), [1, 6, 10, 9, 1]);
    const direct = await predictVolume25D(meanOfStack, volume, { slices: [2, 3, 4] });
    const windowed = await expectNoLeak(() =>
      predictVolume25D(meanOfStack, volume, { slices: [2, 3, 4], slidingWindow: { roiSize: [4, 4], overlap: 0.5 } }),
    );
    expect(windowed.shape).toEqual([1, 3, 10, 9, 1]);
    expect(maxAbsDiff(await direct.data(), await windowed.data())).toBeLessThan(1e-5);
    tf.dispose([volume, direct, windowed]);
  });

  it('rejects bad options', async () => {
    const volume = tf.zeros([1, 4, 4, 4, 1]);
    await expect(predictVolume25D(centre(3), volume, { k: 2 })).rejects.toThrow(/predictVolume25D: options.k is 2; expected an odd number/);
    await expect(predictVolume25D(centre(3), volume, { axis: 3 })).rejects.toThrow(/options.axis is 3/);
    await expect(predictVolume25D(centre(3), volume, { slices: [4] })).rejects.toThrow(/options.slices is \[4\]/);
    await expect(predictVolume25D(centre(3), tf.zeros([4, 4, 4, 1]) as tf.Tensor, {})).rejects.toThrow(/volume has shape \[4, 4, 4, 1\] \(rank 4\)/);
    await expect(predictVolume25D(centre(3), volume, { slidingWindow: { roiSize: 4, overlap: 2 } })).rejects.toThrow(/options.slidingWindow.overlap is 2/);
    const before = tf.memory().numTensors;
    await expect(predictVolume25D((x) => tf.zeros([x.shape[0]!, 2, 2, 1]), volume, {})).rejects.toThrow(/predictVolume25D: predictor returned shape/);
    expect(tf.memory().numTensors).toBe(before);
    volume.dispose();
  });
});
