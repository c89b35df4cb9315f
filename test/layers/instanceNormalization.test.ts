import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { groupNormalization } from '../../src/layers/groupNormalization.js';
import { InstanceNormalization, instanceNormalization } from '../../src/layers/instanceNormalization.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, groupNormReference, randomizeWeights, randomTensor } from './layerChecks.js';

function applyValues(layer: tfl.layers.Layer, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
}

describeEachBackend('InstanceNormalization', () => {
  it('normalizes one channel of one sample as computed by hand (epsilon 1e-5)', () => {
    // x = [1, 2, 6] over 3 positions: mean 3, biased variance (4 + 1 + 9) / 3 = 14/3,
    // y = (x - 3) / sqrt(14/3 + 1e-5) = [-2, -1, 3] / 2.16025...
    const x = tf.tensor3d([1, 2, 6], [1, 3, 1]);
    const s = Math.sqrt(14 / 3 + 1e-5);
    expectClose(applyValues(instanceNormalization(), x), [-2 / s, -1 / s, 3 / s], 1e-5);
    x.dispose();
  });

  for (const shape of [[2, 6, 3], [2, 4, 4, 3], [2, 3, 2, 2, 3]]) {
    it(`equals GroupNormalization with groups = channels at rank ${shape.length}, with the same affine weights`, () => {
      const x = randomTensor(shape, shape.length, -2, 4);
      const instance = instanceNormalization();
      const group = groupNormalization({ groups: shape[shape.length - 1]! });
      instance.apply(x);
      group.apply(x);
      randomizeWeights(instance, 3);
      randomizeWeights(group, 3);
      expectClose(applyValues(instance, x), applyValues(group, x), 1e-6);
      const [gamma, beta] = instance.getWeights().map((w) => w.dataSync());
      expectClose(applyValues(instance, x), groupNormReference(x.dataSync(), shape, shape[shape.length - 1]!, 1e-5, gamma, beta), 1e-4);
      x.dispose();
    });
  }

  it('gives every (sample, channel) mean 0 and variance 1 over its positions', () => {
    const x = randomTensor([2, 4, 4, 3], 11, -5, 20);
    const y = tf.tidy(() => instanceNormalization({ affine: false }).apply(x) as tf.Tensor);
    const { mean, variance } = tf.tidy(() => tf.moments(y, [1, 2]));
    expectClose(Array.from(mean.dataSync()), new Array(6).fill(0), 1e-5);
    expectClose(Array.from(variance.dataSync()), new Array(6).fill(1), 1e-3);
    tf.dispose([x, y, mean, variance]);
  });

  it('has gamma and beta per channel when affine, none otherwise', () => {
    const x = randomTensor([1, 2, 2, 5], 12);
    const affine = instanceNormalization({ affine: true });
    affine.apply(x);
    expect(affine.getWeights().map((w) => w.shape)).toEqual([[5], [5]]);
    expect(affine.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta']);
    const plain = instanceNormalization({ affine: false });
    plain.apply(x);
    expect(plain.getWeights()).toHaveLength(0);
    x.dispose();
  });

  it('has gradients matching central finite differences (input, gamma, beta)', async () => {
    const x = randomTensor([2, 5, 3], 13, -2, 2);
    const layer = instanceNormalization();
    layer.apply(x);
    randomizeWeights(layer, 40);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables });
    x.dispose();
  });

  it('round-trips exactly through saveModel/loadModel and memory, saved with the TF Addons class name and keys', async () => {
    const layer = instanceNormalization({ name: 'in' });
    const model = convThen(layer, [3, 4, 4, 1], 2);
    randomizeWeights(layer, 50);
    const x = randomTensor([1, 3, 4, 4, 1], 14);
    const layers = await expectExactRoundTrips(model, x);
    const saved = layers.find((l) => l.config.name === 'in')!;
    expect(saved.class_name).toBe('InstanceNormalization');
    expect(saved.config).toMatchObject({ axis: -1, epsilon: 1e-5, center: true, scale: true });
    expect(Object.keys(saved.config).sort()).toEqual(['axis', 'center', 'epsilon', 'name', 'scale', 'trainable']);
    x.dispose();
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = instanceNormalization();
    const x = randomTensor([1, 2, 2, 2, 2], 15);
    layer.apply(x);
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('InstanceNormalization arguments', () => {
  it('reads TF Addons configs (groups -1 is overridden) and keeps affine = center and scale', () => {
    const fromAddons = new InstanceNormalization({ groups: -1, axis: -1, epsilon: 1e-3, center: true, scale: false } as never);
    expect(fromAddons.getConfig()).toMatchObject({ epsilon: 1e-3, center: true, scale: false });
    expect(fromAddons.getConfig().groups).toBeUndefined();
    expect(instanceNormalization({ affine: false }).getConfig()).toMatchObject({ center: false, scale: false });
  });

  it('rejects bad arguments with UnetKitError', () => {
    expect(() => instanceNormalization({ affine: 'yes' as never })).toThrow("InstanceNormalization: args.affine is 'yes'; expected true or false.");
    expect(() => instanceNormalization({ epsilon: -1 })).toThrow('InstanceNormalization: args.epsilon is -1; expected a finite number > 0.');
    expect(() => instanceNormalization().apply(tfl.input({ shape: [4] }))).toThrow(UnetKitError);
  });
});
