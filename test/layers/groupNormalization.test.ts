import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { GroupNormalization, groupNormalization } from '../../src/layers/groupNormalization.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, groupNormReference, randomizeWeights, randomTensor } from './layerChecks.js';

function applyValues(layer: tfl.layers.Layer, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
}

describeEachBackend('GroupNormalization', () => {
  it('normalizes a small input as computed by hand', () => {
    // x: 1 sample, 2 positions, 4 channels: position 0 = [1, 2, 3, 4], position 1 = [5, 6, 7, 8].
    // groups 2: group 0 = channels 0, 1 = {1, 2, 5, 6}: mean 3.5, variance (2.5² + 1.5² + 1.5² + 2.5²) / 4 = 4.25;
    // group 1 = {3, 4, 7, 8}: mean 5.5, variance 4.25. So y = (x - mean) / sqrt(4.25 + 1e-5):
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4]);
    const s = Math.sqrt(4.25 + 1e-5);
    expectClose(applyValues(groupNormalization({ groups: 2 }), x), [-2.5, -1.5, -2.5, -1.5, 1.5, 2.5, 1.5, 2.5].map((v) => v / s), 1e-5);
    // gamma = [1, 2, 3, 4], beta = [0, 0, 1, 1]: channel 2 at position 0 is 3 * (-2.5 / s) + 1.
    const layer = groupNormalization({ groups: 2 });
    layer.apply(x);
    const [gamma, beta] = [tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([0, 0, 1, 1])];
    layer.setWeights([gamma, beta]);
    expectClose(applyValues(layer, x)[2], (3 * -2.5) / s + 1, 1e-5);
    tf.dispose([x, gamma, beta]);
  });

  for (const shape of [[2, 5, 4], [2, 3, 3, 6], [1, 2, 3, 2, 4]]) {
    it(`matches a float64 reference at rank ${shape.length} with affine weights`, () => {
      const groups = 2;
      const x = randomTensor(shape, shape.length, -3, 5);
      const layer = groupNormalization({ groups, epsilon: 1e-3 });
      layer.apply(x);
      randomizeWeights(layer, 10);
      const [gamma, beta] = layer.getWeights().map((w) => w.dataSync());
      const expected = groupNormReference(x.dataSync(), shape, groups, 1e-3, gamma, beta);
      expectClose(applyValues(layer, x), expected, 1e-4);
      x.dispose();
    });
  }

  it('uses per-sample statistics: a sample is unchanged by its batch mates, and each group has mean 0 and variance 1', () => {
    const a = randomTensor([2, 4, 4, 4], 1, 0, 10);
    const b = tf.tidy(() => tf.concat([tf.slice(a, [0, 0, 0, 0], [1, -1, -1, -1]), randomTensor([1, 4, 4, 4], 2, -100, 100)]));
    const layer = groupNormalization({ groups: 2 });
    const ya = applyValues(layer, a);
    const yb = applyValues(layer, b);
    expectClose(yb.slice(0, 64), ya.slice(0, 64), 1e-6);
    // group 0 of sample 1 (channels 0, 1 at 16 positions): mean 0, variance 1 (up to epsilon)
    const group = Array.from({ length: 16 }, (_, p) => [ya[64 + p * 4]!, ya[64 + p * 4 + 1]!]).flat();
    const mean = group.reduce((s, v) => s + v, 0) / group.length;
    const variance = group.reduce((s, v) => s + (v - mean) ** 2, 0) / group.length;
    expectClose(mean, 0, 1e-5);
    expectClose(variance, 1, 1e-3);
    tf.dispose([a, b]);
  });

  it('groups -1 is one group per channel (Keras 3 convention), groups 1 normalizes all channels together', () => {
    const x = randomTensor([2, 3, 3, 4], 3);
    const shape = x.shape as number[];
    expectClose(applyValues(groupNormalization({ groups: -1 }), x), groupNormReference(x.dataSync(), shape, 4, 1e-5), 1e-4);
    expectClose(applyValues(groupNormalization({ groups: 1 }), x), groupNormReference(x.dataSync(), shape, 1, 1e-5), 1e-4);
    x.dispose();
  });

  it('without center and scale it has no weights and returns the plain normalization', () => {
    const x = randomTensor([1, 4, 2], 4);
    const layer = groupNormalization({ groups: 1, center: false, scale: false });
    expectClose(applyValues(layer, x), groupNormReference(x.dataSync(), [1, 4, 2], 1, 1e-5), 1e-4);
    expect(layer.getWeights()).toHaveLength(0);
    x.dispose();
  });

  it('has gradients matching central finite differences (input, gamma, beta)', async () => {
    for (const shape of [[2, 3, 4], [1, 2, 2, 2, 4]]) {
      const x = randomTensor(shape, 5, -2, 2);
      const layer = groupNormalization({ groups: 2 });
      layer.apply(x);
      randomizeWeights(layer, 20);
      const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables });
      x.dispose();
    }
  });

  it('trains: fitting gamma and beta to a shifted, scaled target lowers the loss', async () => {
    const input = tfl.input({ shape: [4, 4] });
    const model = tfl.model({ inputs: input, outputs: groupNormalization({ groups: 2 }).apply(input) as tfl.SymbolicTensor });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = randomTensor([4, 4, 4], 6);
    const y = tf.tidy(() => tf.add(tf.mul(model.predict(x) as tf.Tensor, 2), 0.5));
    const history = await model.fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('round-trips exactly through saveModel/loadModel and memory, saved with Keras class name and keys', async () => {
    const layer = groupNormalization({ groups: 2, name: 'gn' });
    const model = convThen(layer, [6, 6, 1], 4);
    randomizeWeights(layer, 30);
    const x = randomTensor([2, 6, 6, 1], 8);
    const layers = await expectExactRoundTrips(model, x);
    const saved = layers.find((l) => l.config.name === 'gn')!;
    expect(saved.class_name).toBe('GroupNormalization');
    expect(saved.config).toMatchObject({ groups: 2, axis: -1, epsilon: 1e-5, center: true, scale: true, trainable: true });
    expect(Object.keys(saved.config).sort()).toEqual(['axis', 'center', 'epsilon', 'groups', 'name', 'scale', 'trainable']);
    x.dispose();
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = groupNormalization({ groups: 2 });
    const x = randomTensor([1, 3, 3, 4], 9);
    layer.apply(x); // build (creates the weights) before counting
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('GroupNormalization arguments', () => {
  it('rejects bad arguments with UnetKitError naming the layer, argument and valid values', () => {
    expect(() => groupNormalization({ groups: 0 })).toThrow('GroupNormalization: args.groups is 0; expected an integer >= 1.');
    expect(() => groupNormalization({ groups: 2.5 })).toThrow(UnetKitError);
    expect(() => groupNormalization({ epsilon: 0 })).toThrow('GroupNormalization: args.epsilon is 0; expected a finite number > 0.');
    expect(() => groupNormalization({ center: 'yes' as never })).toThrow("GroupNormalization: args.center is 'yes'; expected true or false.");
    expect(() => groupNormalization({ axis: 1 })).toThrow(/GroupNormalization: args.axis is 1; expected -1 \(channels last/);
    expect(groupNormalization({ axis: -1 })).toBeInstanceOf(GroupNormalization);
  });

  it('rejects, at build, a group count that does not divide the channels (listing divisors) and rank < 3', () => {
    expect(() => groupNormalization({ groups: 4 }).apply(tfl.input({ shape: [8, 8, 6] }))).toThrow(
      'GroupNormalization: args.groups is 4; it must divide the channel count 6: one of 1, 2, 3, 6.',
    );
    expect(() => groupNormalization({ groups: 1 }).apply(tfl.input({ shape: [6] }))).toThrow(
      'GroupNormalization: input shape is [null, 6]; expected rank 3 or more ([N, ..., C], channels last) with a known channel count.',
    );
  });
});
