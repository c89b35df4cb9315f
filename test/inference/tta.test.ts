import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { testTimeAugmentation } from '../../src/inference/tta.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('testTimeAugmentation', () => {
  it('averages mirrored passes: a position-dependent predictor becomes symmetric', async () => {
    // p(x) = x * w with w = [1, 2, 3] along W. Flip sets [[], [1]] (axis 1 = W):
    // identity gives x * [1, 2, 3]; mirrored gives x * [3, 2, 1]; the mean is x * [2, 2, 2].
    const w = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const weighted = (x: tf.Tensor): tf.Tensor => tf.mul(x, w);
    const tta = testTimeAugmentation(weighted, { flips: [[], [1]] });
    const x = tf.tensor4d([5, 7, 11], [1, 1, 3, 1]);
    const out = await expectNoLeak(() => tta(x));
    expectClose(await (out as tf.Tensor).data(), [10, 14, 22], 1e-6);
    tf.dispose([out as tf.Tensor, x, w]);
  });

  it('runs 2^k passes for k axes: 4 in 2D and 8 in 3D by default, 2 for flips: [0]', () => {
    let calls = 0;
    const count = (x: tf.Tensor): tf.Tensor => {
      calls++;
      return tf.clone(x);
    };
    const image = tf.ones([1, 4, 4, 1]);
    const volume = tf.ones([1, 2, 2, 2, 1]);
    tf.dispose(testTimeAugmentation(count)(image));
    expect(calls).toBe(4);
    calls = 0;
    tf.dispose(testTimeAugmentation(count)(volume));
    expect(calls).toBe(8);
    calls = 0;
    tf.dispose(testTimeAugmentation(count, { flips: [0] })(image));
    expect(calls).toBe(2);
    tf.dispose([image, volume]);
  });

  it('leaves an element-wise (flip-equivariant) predictor unchanged', async () => {
    const x = tf.tensor(Float32Array.from({ length: 2 * 3 * 4 * 5 * 2 }, (_, i) => Math.sin(i)), [2, 3, 4, 5, 2]);
    const f = (t: tf.Tensor): tf.Tensor => tf.sigmoid(t);
    const out = testTimeAugmentation(f)(x) as tf.Tensor;
    const direct = f(x);
    expectClose(await out.data(), await direct.data(), 1e-6);
    tf.dispose([x, out, direct]);
  });

  it('averages every output of a multi-output predictor separately', async () => {
    const w = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const two = (x: tf.Tensor): tf.Tensor[] => [tf.mul(x, w), tf.avgPool(x as tf.Tensor4D, [1, 2], [1, 2], 'valid')];
    const x = tf.tensor4d([1, 1, 1, 1], [1, 1, 4, 1]);
    const [full, half] = (await expectNoLeak(() => testTimeAugmentation(two, { flips: [1] })(x))) as tf.Tensor[];
    // full: (w + reversed w) / 2 = [2.5, 2.5, 2.5, 2.5]; half: average pooling of ones = [1, 1].
    expectClose(await full!.data(), [2.5, 2.5, 2.5, 2.5], 1e-6);
    expectClose(await half!.data(), [1, 1], 1e-6);
    tf.dispose([full!, half!, x, w]);
  });

  it('rejects bad flips and async predictors', () => {
    expect(() => testTimeAugmentation((x) => x, { flips: [] })).toThrow(/testTimeAugmentation: options.flips is \[\]/);
    expect(() => testTimeAugmentation((x) => x, { flips: [0, [1]] as never })).toThrow(/not a mix/);
    expect(() => testTimeAugmentation((x) => x, { flips: [-1] })).toThrow(/options.flips is -1; expected spatial axis numbers/);
    const x = tf.ones([1, 4, 4, 1]);
    expect(() => testTimeAugmentation((t) => t, { flips: [2] })(x)).toThrow(/options.flips is 2; expected spatial axis numbers 0..1/);
    expect(() => testTimeAugmentation(async (t) => t)(x)).toThrow(/predictor returned a promise/);
    expect(() => testTimeAugmentation((t) => t, { flip: [0] } as never)).toThrow(/Did you mean 'flips'/);
    x.dispose();
  });
});
