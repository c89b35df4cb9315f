import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { fakeQuantize, nudgeRange } from '../../src/compress/fakeQuantize.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak, expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('fakeQuantize', () => {
  it('puts values on the nudged grid: 2 bits on [-0.7, 1.7] (scale 0.8, zero point 0.875 -> 1, range [-0.8, 1.6])', async () => {
    const x = tf.tensor1d([-2, -0.7, -0.3, 0, 0.1, 0.5, 1.3, 2]);
    const y = (await expectNoLeakRead(() => fakeQuantize(x, -0.7, 1.7, { bits: 2 }))) as number[];
    expectClose(y, [-0.8, -0.8, 0, 0, 0, 0.8, 1.6, 1.6], 1e-6);
    x.dispose();
  });

  it('8 bits on [-1, 3] (uint8, scale 4/255, zero point 64) and per-channel symmetric int8 (narrow range)', async () => {
    const x = tf.tensor1d([0.3, -1.2, 5]);
    // code = floor((x - min') / scale + 0.5) with min' = -64 * 4/255: 0.3 -> 83, -1.2 -> 0, 5 -> 255.
    expectClose(Array.from((await expectNoLeakRead(() => fakeQuantize(x, -1, 3))) as number[]), [(19 * 4) / 255, (-64 * 4) / 255, (191 * 4) / 255], 1e-6);
    // Channel bounds +-1 and +-0.5 with codes 1..255: scale 1/127 and 1/254, zero point 128 (int8 -127..127).
    const w = tf.tensor2d([[0.3, 0.3], [-2, -2], [0.004, 0.004]]);
    const y = (await expectNoLeakRead(() => fakeQuantize(w, [-1, -0.5], [1, 0.5], { narrowRange: true }))) as number[][];
    expectClose(y, [[38 / 127, 76 / 254], [-1, -0.5], [1 / 127, 1 / 254]], 1e-6);
    const range = nudgeRange(tf.scalar(-1), tf.scalar(3), 8);
    expect([range.scale.dataSync()[0], range.zeroPoint.dataSync()[0], range.quantMin, range.quantMax]).toEqual([Math.fround(4 / 255), 64, 0, 255]);
    tf.dispose([x, w, range.min, range.max, range.scale, range.zeroPoint]);
  });

  it('straight-through gradient: 1 inside the nudged range, 0 where clipped; the bounds get the clipped dy (TF)', async () => {
    // 8 bits on [-0.5, 1.5]: zero point 63.75 -> 64, nudged range [-64, 191] * 2/255 = [-0.50196, 1.49804]:
    // -0.5 stays inside, 1.5 is clipped.
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 1.5, 2]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const [lo, hi] = [tf.scalar(-0.5), tf.scalar(1.5)];
    const grads = await expectNoLeakRead(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fakeQuantize(a, b, c))([x, lo, hi], dy));
    expect(grads).toEqual([[0, 2, 3, 4, 0, 0], 1, 5 + 6]);
    // Per channel: each bound sums its own channel's clipped dy.
    const w = tf.tensor2d([[3, 0.1], [-3, 0.9], [0.2, -0.9]]);
    const [wLo, wHi] = [tf.tensor1d([-1, -0.5]), tf.tensor1d([1, 0.5])];
    const perChannel = await expectNoLeakRead(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fakeQuantize(a, b, c, { narrowRange: true }))([w, wLo, wHi]));
    expect(perChannel).toEqual([[[0, 1], [0, 0], [1, 0]], [1, 1], [1, 1]]);
    tf.dispose([x, dy, lo, hi, w, wLo, wHi]);
  });

  it('is exact on values already on the grid and keeps 0 exact', async () => {
    const grid = Array.from({ length: 16 }, (_, k) => (k - 5) * 0.25);
    const x = tf.tensor1d(grid);
    // 4 bits on [-1.25, 2.5]: scale 0.25, zero point 5.
    expect(await expectNoLeakRead(() => fakeQuantize(x, -1.25, 2.5, { bits: 4 }))).toEqual(grid);
    x.dispose();
  });

  it('refuses bad bits, bounds and shapes with UnetKitError, leaking nothing', async () => {
    const x = tf.ones([2, 3]);
    const ints = tf.ones([2], 'int32');
    await expectNoLeak(() => {
      expect(() => fakeQuantize(x, 0, 1, { bits: 1 })).toThrow(/fakeQuantize: options.bits is 1; expected an integer >= 2 and <= 16/);
      expect(() => fakeQuantize(x, 1, 1)).toThrow(/fakeQuantize: min, max is .*; expected min < max element-wise/);
      expect(() => fakeQuantize(x, [0, 0], [1, 1])).toThrow(/fakeQuantize: min is 'a \[2\] bound'; expected a scalar or \[3\]/);
      expect(() => fakeQuantize(x, Number.NaN, 1)).toThrow(UnetKitError);
      expect(() => fakeQuantize(ints, 0, 1)).toThrow(/x is .*; expected a float32 tensor/);
    });
    tf.dispose([x, ints]);
  });
});
