import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { upsample } from '../../src/blocks/upsample.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('upsample (transposed conv)', {
  channels: 4,
  build: (x, spatialDims) => upsample(x, { spatialDims, filters: 2, seed: 1, name: 'u' }),
  names: () => ['u_up'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s * 2), 2],
});

describeBlock('upsample (nearest with a 1x1 conv to the channels)', {
  channels: 4,
  build: (x, spatialDims) => upsample(x, { spatialDims, mode: 'nearest', filters: 2, seed: 1, name: 'n' }),
  names: () => ['n_up_proj', 'n_up'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s * 2), 2],
});

describeBlock('upsample (bilinear / trilinear with a 1x1 conv to the channels)', {
  channels: 4,
  build: (x, spatialDims) => upsample(x, { spatialDims, mode: spatialDims === 2 ? 'bilinear' : 'trilinear', filters: 2, seed: 1, name: 'l' }),
  names: () => ['l_up_proj', 'l_up'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s * 2), 2],
});

describeEachBackend('upsample numbers', () => {
  it("bilinear doubles [[1, 10], [3, 30]] with half-pixel centres, as Keras and PyTorch (hand-checked)", async () => {
    const input = tfl.input({ shape: [2, 2, 1] });
    const model = tfl.model({ inputs: input, outputs: upsample(input, { mode: 'bilinear', name: 'b' }) });
    const x = tf.tensor([1, 10, 3, 30], [1, 2, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    // Output pixel i reads input position clamp((i + 0.5) / 2 - 0.5, 0, 1): rows 0, 0.25, 0.75, 1, the same columns.
    const pos = [0, 0.25, 0.75, 1];
    const bilinear = (r: number, c: number) => (1 - r) * (1 - c) * 1 + (1 - r) * c * 10 + r * (1 - c) * 3 + r * c * 30;
    expectClose(Array.from(await y.data()), pos.flatMap((r) => pos.map((c) => bilinear(r, c))));
    // the first row by hand: 1, 1 + 0.25 * 9 = 3.25, 1 + 0.75 * 9 = 7.75, 10
    expectClose(Array.from(await y.data()).slice(0, 4), [1, 3.25, 7.75, 10]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("trilinear reproduces a linear function of (d, h, w) at half-pixel positions clamp((i + 0.5) / 2 - 0.5, 0, 1) (hand-checked)", async () => {
    const input = tfl.input({ shape: [2, 2, 2, 1] });
    const model = tfl.model({ inputs: input, outputs: upsample(input, { spatialDims: 3, mode: 'trilinear', name: 't3' }) });
    const f = (d: number, h: number, w: number) => 1 + 2 * d + 4 * h + 8 * w;
    const x = tf.tensor([0, 1].flatMap((d) => [0, 1].flatMap((h) => [0, 1].map((w) => f(d, h, w)))), [1, 2, 2, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    const at = (i: number) => Math.min(Math.max((i + 0.5) / 2 - 0.5, 0), 1);
    const expected = [0, 1, 2, 3].flatMap((d) => [0, 1, 2, 3].flatMap((h) => [0, 1, 2, 3].map((w) => f(at(d), at(h), at(w)))));
    expect(y.shape).toEqual([1, 4, 4, 4, 1]);
    expectClose(Array.from(await y.data()), expected);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("'linear', 'bilinear' and 'trilinear' are one mode: the same layer config", () => {
    const input = tfl.input({ shape: [2, 2, 1] });
    const configs = (['linear', 'bilinear', 'trilinear'] as const).map((mode, i) => {
      const model = tfl.model({ inputs: input, outputs: upsample(input, { mode, name: `m${i}` }) });
      const config: Record<string, unknown> = { ...model.getLayer(`m${i}_up`).getConfig() };
      model.dispose();
      delete config['name'];
      return config;
    });
    expect(configs[1]).toEqual(configs[0]);
    expect(configs[2]).toEqual(configs[0]);
    expect(configs[0]!['interpolation']).toBe('bilinear');
  });

  it('useBias false drops the bias of the transposed conv and of the 1x1 projection (parameter counts)', () => {
    const input = tfl.input({ shape: [4, 4, 6] });
    const count = (options: Parameters<typeof upsample>[1]) => {
      const model = tfl.model({ inputs: input, outputs: upsample(input, options) });
      const n = model.countParams();
      model.dispose();
      return n;
    };
    // Transposed conv 2x2, 6 -> 3 channels: 2*2*6*3 = 72 weights + 3 biases.
    expect(count({ filters: 3, name: 'tb' })).toBe(72 + 3);
    expect(count({ filters: 3, useBias: false, name: 'tn' })).toBe(72);
    // 1x1 projection 6 -> 3 before nearest / bilinear: 18 weights + 3 biases.
    expect(count({ mode: 'nearest', filters: 3, name: 'nb' })).toBe(18 + 3);
    expect(count({ mode: 'bilinear', filters: 3, useBias: false, name: 'bn' })).toBe(18);
    // In 3D: 2x2x2 transposed conv 6 -> 3: 144 weights.
    const volume = tfl.input({ shape: [2, 2, 2, 6] });
    const model3d = tfl.model({ inputs: volume, outputs: upsample(volume, { spatialDims: 3, filters: 3, useBias: false, name: 't3n' }) });
    expect(model3d.countParams()).toBe(144);
    model3d.dispose();
  });


  it('nearest repeats every pixel into a 2x2 block (hand-checked)', async () => {
    const input = tfl.input({ shape: [2, 2, 1] });
    const model = tfl.model({ inputs: input, outputs: upsample(input, { mode: 'nearest', name: 'n' }) });
    const x = tf.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('a 2x2 stride-2 transposed conv with kernel k and bias b maps each pixel v to the block v * k + b', async () => {
    const input = tfl.input({ shape: [1, 2, 1] });
    const model = tfl.model({ inputs: input, outputs: upsample(input, { name: 't' }) });
    setWeights(model, 't_up', [
      { shape: [2, 2, 1, 1], data: [1, 2, 3, 4] },
      { shape: [1], data: 0.5 },
    ]);
    const x = tf.tensor([1, 10], [1, 1, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    // Row 0: [1*1, 1*2, 10*1, 10*2] + 0.5; row 1: [1*3, 1*4, 10*3, 10*4] + 0.5.
    expectClose(Array.from(await y.data()), [1.5, 2.5, 10.5, 20.5, 3.5, 4.5, 30.5, 40.5]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('3D trilinear keeps a constant volume constant and sets the size', async () => {
    const input = tfl.input({ shape: [2, 2, 2, 3] });
    const model = tfl.model({ inputs: input, outputs: upsample(input, { spatialDims: 3, mode: 'trilinear', name: 'l' }) });
    const x = tf.fill([1, 2, 2, 2, 3], 0.25);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 4, 3]);
    expectClose(Array.from(await y.data()), new Array(4 * 4 * 4 * 3).fill(0.25));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects unknown modes', () => {
    const input = tfl.input({ shape: [2, 2, 1] });
    expect(() => upsample(input, { mode: 'transposed' as never })).toThrow(/upsample: options\.mode is 'transposed'.*Did you mean 'transpose'\?/);
  });
});
