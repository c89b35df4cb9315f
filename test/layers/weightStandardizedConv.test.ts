// WeightStandardizedConv: TransUNet's StdConv2d (BiT's weight standardization), checked against
// hand-computed values, its invariances, finite differences and exact save/load.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { weightStandardizedConv } from '../../src/layers/weightStandardizedConv.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describeEachBackend('WeightStandardizedConv', () => {
  it('standardizes each filter over its taps and input channels (hand-computed 1x1)', () => {
    // Filter 0 = [1, 3] (mean 2, variance 1) -> [-1, 1] / sqrt(1 + eps); filter 1 = [2, 2] (variance 0) -> [0, 0].
    const layer = weightStandardizedConv({ filters: 2, kernelSize: 1, useBias: true });
    const x = tf.tensor4d([5, 7, -1, 4], [1, 2, 1, 2]);
    layer.apply(x);
    const [k, b] = [tf.tensor4d([1, 2, 3, 2], [1, 1, 2, 2]), tf.tensor1d([0.5, -0.5])];
    layer.setWeights([k, b]);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const s = 1 / Math.sqrt(1 + 1e-5);
    expectClose(values(y), [(7 - 5) * s + 0.5, -0.5, (4 + 1) * s + 0.5, -0.5], 1e-6);
    tf.dispose([x, k, b, y]);
  });

  it('ignores the scale and offset of each filter; 3x3 stride 2 equals a plain conv of the standardized kernel; 3D', () => {
    for (const rank of [4, 5] as const) {
      const shape = rank === 4 ? [1, 6, 6, 2] : [1, 4, 4, 4, 2];
      const layer = weightStandardizedConv({ filters: 3, kernelSize: 3, strides: 2, seed: 1 });
      const x = randomTensor(shape, 2);
      const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
      expect(y.shape).toEqual(rank === 4 ? [1, 3, 3, 3] : [1, 2, 2, 2, 3]);
      const w = layer.getWeights()[0]!;
      const expected = tf.tidy(() => {
        const flat = tf.reshape(w, [-1, 3]).arraySync() as number[][];
        const columns = [0, 1, 2].map((f) => flat.map((row) => row[f]!));
        const standardized = columns.map((c) => {
          const mean = c.reduce((a, v) => a + v, 0) / c.length;
          const variance = c.reduce((a, v) => a + (v - mean) ** 2, 0) / c.length;
          return c.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
        });
        const kernel = tf.reshape(tf.tensor(flat.map((_, i) => [0, 1, 2].map((f) => standardized[f]![i]!))), w.shape);
        return rank === 4 ? tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 2, 'same') : tf.conv3d(x as tf.Tensor5D, kernel as tf.Tensor5D, 2, 'same');
      });
      expectClose(values(y), values(expected), 1e-4);
      const scaled = tf.tidy(() => tf.add(tf.mul(w, tf.tensor1d([3, 0.5, 10])), tf.tensor1d([1, -2, 0.25])));
      layer.setWeights([scaled]);
      const again = tf.tidy(() => layer.apply(x) as tf.Tensor);
      expectClose(values(again), values(y), 1e-3);
      tf.dispose([x, y, expected, scaled, again]);
    }
  });

  it('has gradients matching finite differences, trains and round-trips exactly; no leaks', async () => {
    const layer = weightStandardizedConv({ filters: 2, kernelSize: 3, useBias: true, seed: 4 });
    const x = randomTensor([1, 4, 4, 2], 3);
    layer.apply(x);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables: layer.trainableWeights.map((w) => w.read() as tf.Variable) });
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: weightStandardizedConv({ filters: 2, kernelSize: 3, strides: 2, name: 'ws', seed: 5 }).apply(input) as tfl.SymbolicTensor });
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'ws')!;
    expect(saved).toMatchObject({ class_name: 'WeightStandardizedConv', config: { filters: 2, kernel_size: 3, strides: 2, padding: 'same', use_bias: false } });
    const optimizer = tf.train.sgd(0.1);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const target = tf.zerosLike(model.predict(x) as tf.Tensor);
    const history = await model.fit(x, target, { epochs: 3, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[2]!).toBeLessThan(losses[0]!);
    tf.dispose([x, target]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('WeightStandardizedConv arguments', () => {
  it('rejects bad arguments and inputs', () => {
    expect(() => weightStandardizedConv({ filters: 0, kernelSize: 3 })).toThrow('WeightStandardizedConv: args.filters is 0; expected an integer >= 1.');
    expect(() => weightStandardizedConv({ filters: 2, kernelSize: 3, padding: 'causal' as never })).toThrow(/^WeightStandardizedConv: args.padding is 'causal'; expected one of 'same', 'valid'/);
    expect(() => weightStandardizedConv({ filters: 2, kernelSize: 3, epsilon: 0 })).toThrow('WeightStandardizedConv: args.epsilon is 0; expected a finite number > 0.');
    expect(() => weightStandardizedConv({ filters: 2, kernelSize: 3 }).apply(tfl.input({ shape: [8, 2] }))).toThrow(
      'WeightStandardizedConv: input shape is [null, 8, 2]; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.',
    );
  });
});
