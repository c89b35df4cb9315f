import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { UpSampling3D, upSampling3d } from '../../src/layers/upSampling3d.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

/** Index of (d, h, w, c) in a channels-last [1, D, H, W, C] array. */
const at = (shape: number[], d: number, h: number, w: number, c: number) => ((d * shape[2]! + h) * shape[3]! + w) * shape[4]! + c;

/**
 * float64 reference of the separable up-sampling: output j on an axis of length n with factor s;
 * nearest takes x[floor(j / s)]; linear reads the half-pixel source coordinate u = (j + 0.5) / s - 0.5
 * (PyTorch align_corners=False), (1 - f) x[clamp(i)] + f x[clamp(i + 1)] with i = floor(u), f = u - i.
 */
function reference(x: ArrayLike<number>, shape: number[], size: number[], mode: 'nearest' | 'linear'): number[] {
  const out = [shape[0]!, shape[1]! * size[0]!, shape[2]! * size[1]!, shape[3]! * size[2]!, shape[4]!];
  const taps = (j: number, n: number, s: number): [number, number][] => {
    if (mode === 'nearest') return [[Math.floor(j / s), 1]];
    const u = (j + 0.5) / s - 0.5;
    const i = Math.floor(u);
    const f = u - i;
    const clamp = (k: number) => Math.min(Math.max(k, 0), n - 1);
    return [[clamp(i), 1 - f], [clamp(i + 1), f]];
  };
  const result: number[] = [];
  for (let d = 0; d < out[1]!; d++)
    for (let h = 0; h < out[2]!; h++)
      for (let w = 0; w < out[3]!; w++)
        for (let c = 0; c < out[4]!; c++) {
          let v = 0;
          for (const [id, wd] of taps(d, shape[1]!, size[0]!))
            for (const [ih, wh] of taps(h, shape[2]!, size[1]!))
              for (const [iw, ww] of taps(w, shape[3]!, size[2]!)) v += wd * wh * ww * x[at(shape, id, ih, iw, c)]!;
          result.push(v);
        }
  return result;
}

function applyValues(layer: tfl.layers.Layer, x: tf.Tensor): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const y = layer.apply(x) as tf.Tensor;
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describeEachBackend('UpSampling3D', () => {
  it('nearest repeats each voxel into a size[0] x size[1] x size[2] block', () => {
    // x[d, h, w] = 4d + 2h + w over 2 x 2 x 2; doubled, y[d, h, w] = x[floor(d/2), floor(h/2), floor(w/2)].
    const x = tf.tensor5d([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 2, 2, 1]);
    const { shape, values } = applyValues(upSampling3d(), x);
    expect(shape).toEqual([1, 4, 4, 4, 1]);
    const expected: number[] = [];
    for (let d = 0; d < 4; d++) for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) expected.push(4 * (d >> 1) + 2 * (h >> 1) + (w >> 1));
    expect(values).toEqual(expected);
    x.dispose();
  });

  it('nearest with unequal factors and several channels matches the reference', () => {
    const x = randomTensor([1, 2, 3, 2, 2], 1);
    const { shape, values } = applyValues(upSampling3d({ size: [1, 2, 3] }), x);
    expect(shape).toEqual([1, 2, 6, 6, 2]);
    expect(values).toEqual(reference(x.dataSync(), x.shape, [1, 2, 3], 'nearest').map(Math.fround));
    x.dispose();
  });

  it('linear uses half-pixel centres (PyTorch align_corners=False): [1, 10] doubled along depth is [1, 3.25, 7.75, 10]', () => {
    // source coordinates -0.25, 0.25, 0.75, 1.25 -> 1 (clamped), 1 + 0.25 * 9, 1 + 0.75 * 9, 10 (clamped).
    const x = tf.tensor5d([1, 10], [1, 2, 1, 1, 1]);
    expect(applyValues(upSampling3d({ size: [2, 1, 1], interpolation: 'linear' }), x).values).toEqual([1, 3.25, 7.75, 10]);
    // factor 3: coordinates -1/3, 0, 1/3, 2/3, 1, 4/3 -> 1, 1, 4, 7, 10, 10
    expectClose(applyValues(upSampling3d({ size: [3, 1, 1], interpolation: 'linear' }), x).values, [1, 1, 4, 7, 10, 10], 1e-6);
    x.dispose();
  });

  it('linear (trilinear) matches the float64 reference on a random volume', () => {
    const x = randomTensor([2, 2, 3, 2, 3], 2);
    const { shape, values } = applyValues(upSampling3d({ size: [2, 3, 2], interpolation: 'linear' }), x);
    expect(shape).toEqual([2, 4, 9, 4, 3]);
    const perSample = 2 * 3 * 2 * 3;
    const expected = [0, 1].flatMap((n) => reference(x.dataSync().slice(n * perSample, (n + 1) * perSample), [1, 2, 3, 2, 3], [2, 3, 2], 'linear'));
    expectClose(values, expected, 1e-5);
    x.dispose();
  });

  it("linear with depth factor 1 equals tfjs' bilinear resize with halfPixelCenters (Keras' UpSampling2D)", () => {
    const x = randomTensor([1, 1, 3, 4, 2], 3);
    const ours = applyValues(upSampling3d({ size: [1, 2, 2], interpolation: 'linear' }), x).values;
    const tfjs = tf.tidy(() => Array.from(tf.image.resizeBilinear(tf.reshape(x, [1, 3, 4, 2]) as tf.Tensor4D, [6, 8], false, true).dataSync()));
    expectClose(ours, tfjs, 1e-5);
    x.dispose();
  });

  it('computes symbolic output shapes, keeping unknown dimensions unknown', () => {
    const y = upSampling3d({ size: [2, 1, 3] }).apply(tfl.input({ shape: [null, 4, 5, 2] })) as tfl.SymbolicTensor;
    expect(y.shape).toEqual([null, null, 4, 15, 2]);
  });

  for (const interpolation of ['nearest', 'linear'] as const) {
    it(`${interpolation}: gradients match central finite differences on a non-cubic volume`, async () => {
      const layer = upSampling3d({ size: [2, 2, 2], interpolation });
      const x = randomTensor([1, 2, 3, 2, 2], 4);
      await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { count: 12 });
      x.dispose();
    });
  }

  it('round-trips exactly through saveModel/loadModel and memory, saved as a Keras UpSampling3D', async () => {
    for (const interpolation of ['nearest', 'linear'] as const) {
      const layer = upSampling3d({ size: [2, 2, 2], interpolation, name: `up_${interpolation}` });
      const model = convThen(layer, [2, 3, 2, 1], 2);
      const x = randomTensor([1, 2, 3, 2, 1], 5);
      const layers = await expectExactRoundTrips(model, x);
      const saved = layers.find((l) => l.config.name === `up_${interpolation}`)!;
      expect(saved.class_name).toBe('UpSampling3D');
      expect(saved.config).toMatchObject({ size: [2, 2, 2], data_format: 'channels_last' });
      // Keras' UpSampling3D takes size and data_format; interpolation is written only when it is not Keras' nearest.
      expect(Object.keys(saved.config).sort()).toEqual(
        interpolation === 'nearest' ? ['data_format', 'name', 'size', 'trainable'] : ['data_format', 'interpolation', 'name', 'size', 'trainable'],
      );
      x.dispose();
      model.dispose();
    }
  });

  it('leaks no tensors', async () => {
    const x = randomTensor([1, 2, 2, 2, 2], 6);
    await expectNoLeakRead(() => upSampling3d({ interpolation: 'linear' }).apply(x) as tf.Tensor);
    await expectNoLeakRead(() => upSampling3d().apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('UpSampling3D arguments', () => {
  it('rejects bad arguments and inputs with UnetKitError', () => {
    expect(() => upSampling3d({ size: [2, 2] as never })).toThrow(
      'UpSampling3D: args.size is [2, 2]; expected an array of 3 numbers, each an integer >= 1.',
    );
    expect(() => upSampling3d({ size: [2, 0, 2] })).toThrow(/item 1 is 0/);
    expect(() => upSampling3d({ interpolation: 'lienar' as never })).toThrow(
      "UpSampling3D: args.interpolation is 'lienar'; expected one of 'nearest', 'linear'. Did you mean 'linear'?",
    );
    expect(() => upSampling3d({ dataFormat: 'channelsFirst' })).toThrow(/UpSampling3D: args.dataFormat is 'channelsFirst'; expected 'channelsLast'/);
    expect(() => upSampling3d().apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(
      'UpSampling3D: input has shape [null, 4, 4, 1] (rank 4); expected rank 5 ([N, D, H, W, C], channels last).',
    );
    expect(new UpSampling3D({ dataFormat: 'channelsLast' }).size).toEqual([2, 2, 2]);
    expect(() => upSampling3d({ size: 'big' as never })).toThrow(UnetKitError);
  });
});
