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

describeEachBackend('upsample numbers', () => {
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
