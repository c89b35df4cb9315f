import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { LayerNormalization, layerNormalization } from '../../src/layers/layerNormalization.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectExactRoundTrips, expectFiniteDifferenceGradients, randomizeWeights, randomTensor } from './layerChecks.js';

describeEachBackend('LayerNormalization', () => {
  it('normalizes each position over its channels as computed by hand', () => {
    // position [1, 2, 3, 4]: mean 2.5, variance 1.25.
    const x = tf.tensor3d([1, 2, 3, 4], [1, 1, 4]);
    const y = tf.tidy(() => Array.from((layerNormalization({ epsilon: 1e-5 }).apply(x) as tf.Tensor).dataSync()));
    expectClose(y, [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25 + 1e-5)), 1e-5);
    x.dispose();
  });

  it('equals the stock tfjs layer at rank 3 and 4 with affine weights', () => {
    for (const shape of [[2, 3, 4], [1, 2, 3, 4]]) {
      const x = randomTensor(shape, 1, -2, 3);
      const ours = layerNormalization({ epsilon: 1e-3 });
      const stock = tfl.layers.layerNormalization({ epsilon: 1e-3 });
      ours.apply(x);
      stock.apply(x);
      randomizeWeights(ours, 5);
      stock.setWeights(ours.getWeights());
      const a = tf.tidy(() => Array.from((ours.apply(x) as tf.Tensor).dataSync()));
      const b = tf.tidy(() => Array.from((stock.apply(x) as tf.Tensor).dataSync()));
      expectClose(a, b, 1e-5);
      x.dispose();
    }
  });

  it('works at rank 5 and, without center and scale, trains (both fail in tfjs 4.22)', async () => {
    const x = randomTensor([1, 2, 2, 2, 3], 2);
    const layer = layerNormalization({ center: false, scale: false });
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 2, 2, 2, 3]);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x);
    const affine = layerNormalization();
    affine.apply(x);
    randomizeWeights(affine, 3);
    await expectFiniteDifferenceGradients((input) => affine.apply(input) as tf.Tensor, x, { variables: affine.trainableWeights.map((w) => w.read() as tf.Variable) });
    expect(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tfl.layers.layerNormalization({ center: false, scale: false }).apply(t) as tf.Tensor))(tf.ones([1, 2, 3])))).toThrow();
    expect(() => tfl.layers.layerNormalization().apply(x)).toThrow(/rank 5/);
    await expectNoLeakRead(() => affine.apply(x) as tf.Tensor);
    tf.dispose([x, y]);
  });

  it('round-trips exactly with the Keras class name and config', async () => {
    const input = tfl.input({ shape: [2, 2, 2, 3] });
    const layer = layerNormalization({ name: 'ln' });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    randomizeWeights(layer, 9);
    const x = randomTensor([1, 2, 2, 2, 3], 4);
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'ln')!;
    expect(saved.class_name).toBe('LayerNormalization');
    expect(saved.config).toMatchObject({ epsilon: 1e-3, center: true, scale: true });
    expect(tf.serialization.SerializationMap.getMap().classNameMap['LayerNormalization']![0]).toBe(LayerNormalization);
    x.dispose();
    model.dispose();
  });
});
