import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UpSampling2D, upSampling2d } from '../../src/layers/upSampling2d.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

function applyValues(layer: tfl.layers.Layer, x: tf.Tensor): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const y = layer.apply(x) as tf.Tensor;
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describeEachBackend('UpSampling2D (Keras arithmetic)', () => {
  it('bilinear uses half-pixel centres: [1, 10] doubled is [1, 3.25, 7.75, 10], tripled [1, 1, 4, 7, 10, 10]', () => {
    const x = tf.tensor4d([1, 10], [1, 2, 1, 1]);
    expect(applyValues(upSampling2d({ size: [2, 1], interpolation: 'bilinear' }), x).values).toEqual([1, 3.25, 7.75, 10]);
    expectClose(applyValues(upSampling2d({ size: [3, 1], interpolation: 'bilinear' }), x).values, [1, 1, 4, 7, 10, 10], 1e-6);
    // along width: the same arithmetic
    const row = tf.tensor4d([1, 10], [1, 1, 2, 1]);
    expect(applyValues(upSampling2d({ size: [1, 2], interpolation: 'bilinear' }), row).values).toEqual([1, 3.25, 7.75, 10]);
    tf.dispose([x, row]);
  });

  it("equals tf.image.resizeBilinear with halfPixelCenters (Keras' tf.image.resize) on a random non-square image", () => {
    const x = randomTensor([2, 3, 5, 2], 11);
    const ours = applyValues(upSampling2d({ size: [2, 3], interpolation: 'bilinear' }), x);
    expect(ours.shape).toEqual([2, 6, 15, 2]);
    const reference = tf.tidy(() => Array.from(tf.image.resizeBilinear(x as tf.Tensor4D, [6, 15], false, true).dataSync()));
    expectClose(ours.values, reference, 1e-5);
    // and differs from tfjs' own convention (no half-pixel shift) by far more than rounding
    const tfjs = tf.tidy(() => Array.from(tf.image.resizeBilinear(x as tf.Tensor4D, [6, 15]).dataSync()));
    expect(Math.max(...ours.values.map((v, i) => Math.abs(v - tfjs[i]!)))).toBeGreaterThan(0.05);
    x.dispose();
  });

  it('gradient is the transposed interpolation: by hand and by finite differences', async () => {
    // y = A x with rows [1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]; dL/dx = A^T dy
    const layer = upSampling2d({ size: [2, 1], interpolation: 'bilinear' });
    const x = tf.tensor4d([1, 10], [1, 2, 1, 1]);
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 4, 1, 1]);
    const g = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, dy)))(x);
    expectClose(Array.from(g.dataSync()), [1 + 1.5 + 0.75, 0.5 + 2.25 + 4], 1e-6);
    tf.dispose([x, dy, g]);
    const random = randomTensor([1, 3, 2, 2], 12);
    await expectFiniteDifferenceGradients((input) => upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(input) as tf.Tensor, random, { count: 10 });
    random.dispose();
  });

  it("nearest equals tfjs' nearest up-sampling", () => {
    const x = randomTensor([1, 2, 3, 2], 13);
    const ours = applyValues(upSampling2d({ size: [2, 3] }), x).values;
    const tfjs = tf.tidy(() => Array.from(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 9]).dataSync()));
    expect(ours).toEqual(tfjs);
    x.dispose();
  });

  it('round-trips exactly, saved as a stock Keras UpSampling2D; the registry resolves the class name to it', async () => {
    const model = convThen(upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'up' }), [4, 3, 1], 2);
    const x = randomTensor([1, 4, 3, 1], 14);
    const layers = await expectExactRoundTrips(model, x);
    const saved = layers.find((l) => l.config.name === 'up')!;
    expect(saved.class_name).toBe('UpSampling2D');
    expect(saved.config).toMatchObject({ size: [2, 2], data_format: 'channels_last', interpolation: 'bilinear' });
    const registered = tf.serialization.SerializationMap.getMap().classNameMap.UpSampling2D![0];
    expect(registered).toBe(UpSampling2D);
    x.dispose();
    model.dispose();
  });

  it('keeps unknown dimensions unknown and leaks no tensors', async () => {
    const y = upSampling2d({ size: [2, 3] }).apply(tfl.input({ shape: [null, 4, 2] })) as tfl.SymbolicTensor;
    expect(y.shape).toEqual([null, null, 12, 2]);
    const x = randomTensor([1, 2, 2, 2], 15);
    await expectNoLeakRead(() => upSampling2d({ interpolation: 'bilinear' }).apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('UpSampling2D arguments', () => {
  it('rejects bad arguments and inputs with UnetKitError', () => {
    expect(() => upSampling2d({ size: [2] as never })).toThrow('UpSampling2D: args.size is [2]; expected an array of 2 numbers, each an integer >= 1.');
    expect(() => upSampling2d({ interpolation: 'linear' as never })).toThrow(/UpSampling2D: args.interpolation is 'linear'; expected one of 'nearest', 'bilinear'/);
    expect(() => upSampling2d({ dataFormat: 'channelsFirst' })).toThrow(/args.dataFormat is 'channelsFirst'/);
    expect(() => upSampling2d().apply(tf.zeros([1, 2, 2]))).toThrow(/UpSampling2D: input/);
  });
});
