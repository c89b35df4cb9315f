import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { downsample } from '../../src/blocks/downsample.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, tinySpatial } from './blockHarness.js';

describeBlock('downsample (strided conv)', {
  channels: 2,
  build: (x, spatialDims) => downsample(x, { spatialDims, mode: 'strided', filters: 4, seed: 1, name: 'd' }),
  names: () => ['d_conv', 'd_norm', 'd_act'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s / 2), 4],
});

describeEachBackend('downsample pooling', () => {
  // A 4x4 single-channel image 0..15 (row-major); 2x2 windows hold {0,1,4,5}, {2,3,6,7}, ...
  const values = Array.from({ length: 16 }, (_, i) => i - 8); // negative values too
  for (const [mode, expected] of [
    ['maxPool', [5, 7, 13, 15].map((v) => v - 8)],
    ['avgPool', [2.5, 4.5, 10.5, 12.5].map((v) => v - 8)],
  ] as const) {
    it(`${mode} takes the ${mode === 'maxPool' ? 'max' : 'mean'} of each 2x2 window (hand-checked)`, async () => {
      const input = tfl.input({ shape: [4, 4, 1] });
      const model = tfl.model({ inputs: input, outputs: downsample(input, { mode, name: 'p' }) });
      expect(model.layers.map((l) => l.name)).toEqual([model.layers[0]!.name, 'p_pool']);
      const x = tf.tensor(values, [1, 4, 4, 1]);
      const y = model.predict(x) as tf.Tensor;
      expectClose(Array.from(await y.data()), [...expected]);
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it('3D max pooling of an all-negative volume keeps the negative maximum', async () => {
    const input = tfl.input({ shape: [2, 2, 2, 1] });
    const model = tfl.model({ inputs: input, outputs: downsample(input, { spatialDims: 3, name: 'p3' }) });
    const x = tf.tensor([-5, -4, -3, -2, -8, -7, -6, -1.5], [1, 2, 2, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    expectClose(Array.from(await y.data()), [-1.5]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('useBias sets the bias of the strided conv (default: only without a norm; parameter counts)', () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const count = (options: Parameters<typeof downsample>[1]) => {
      const model = tfl.model({ inputs: input, outputs: downsample(input, { mode: 'strided', filters: 5, ...options }) });
      const n = model.countParams();
      model.dispose();
      return n;
    };
    // 3x3 conv 3 -> 5: 135 weights; + 5 biases; batch norm 4 * 5 numbers.
    expect(count({ norm: 'none', name: 'a' })).toBe(135 + 5);
    expect(count({ norm: 'none', useBias: false, name: 'b' })).toBe(135);
    expect(count({ name: 'c' })).toBe(135 + 20);
    expect(count({ useBias: true, name: 'd' })).toBe(135 + 5 + 20);
  });

  it('rejects unknown modes and factors < 1', () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    expect(() => downsample(input, { mode: 'maxpool' as never })).toThrow(/downsample: options\.mode is 'maxpool'.*Did you mean 'maxPool'\?/);
    expect(() => downsample(input, { factor: 0 })).toThrow(/downsample: options\.factor is 0/);
  });
});

it('pooling refuses a spatial size not divisible by the factor instead of dropping the remainder; strided accepts it', () => {
  const odd = tfl.input({ shape: [9, 8, 2] });
  expect(() => downsample(odd, { name: 'odd_pool' })).toThrow(
    "downsample: x has spatial size [9, 8], whose axis 0 (9) is not divisible by options.factor 2; maxPool would drop the remainder.",
  );
  expect(() => downsample(odd, { mode: 'avgPool', factor: 3, name: 'odd_avg' })).toThrow(/axis 1 \(8\) is not divisible by options.factor 3/);
  expect(downsample(odd, { mode: 'strided', name: 'odd_strided' }).shape).toEqual([null, 5, 4, 2]);
  expect(downsample(tfl.input({ shape: [null, null, 2] }), { name: 'any_pool' }).shape).toEqual([null, null, null, 2]);
});
