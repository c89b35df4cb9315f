import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { separableConv } from '../../src/blocks/separableConv.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('separableConv', {
  channels: 2,
  build: (x, spatialDims) => separableConv(x, 3, { spatialDims, seed: 1, name: 's' }),
  names: (d) =>
    d === 2
      ? ['s_dw', 's_pw', 's_norm', 's_act']
      : ['s_dw_w_in', 's_dw_w', 's_dw_w_out', 's_dw_h_perm', 's_dw_h_in', 's_dw_h', 's_dw_h_out', 's_dw_d_perm', 's_dw_d_in', 's_dw_d', 's_dw_d_out', 's_dw_out', 's_pw', 's_norm', 's_act'],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describeEachBackend('separableConv numbers', () => {
  const identity = (c: number, d: number) => ({ shape: [...Array(d).fill(1), c, c], data: Array.from({ length: c * c }, (_, i) => (i % (c + 1) === 0 ? 1 : 0)) });

  it('2D equals tf.separableConv2d with the same kernels', async () => {
    const input = tfl.input({ shape: [5, 5, 2] });
    const model = tfl.model({ inputs: input, outputs: separableConv(input, 3, { norm: 'none', activation: 'none', strides: 2, seed: 1, name: 's' }) });
    const [dw] = model.getLayer('s_dw').getWeights();
    const [pw, bias] = model.getLayer('s_pw').getWeights();
    const x = tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 9);
    const y = model.predict(x) as tf.Tensor;
    const expected = tf.add(tf.separableConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, 2, 'same'), bias!);
    expectClose(Array.from(await y.data()), Array.from(await expected.data()), 1e-5);
    tf.dispose([x, y, expected]);
    model.dispose();
  });

  for (const strides of [1, 2]) {
    it(`3D (stride ${strides}) equals a per-channel conv3d with the outer product kernel k_d (x) k_h (x) k_w`, async () => {
      const input = tfl.input({ shape: [4, 4, 4, 2] });
      const model = tfl.model({ inputs: input, outputs: separableConv(input, 2, { spatialDims: 3, strides, norm: 'none', activation: 'none', name: 'f' }) });
      // Per-channel 1-D kernels (DepthwiseConv2D kernels [1, 3, C, 1], channel fastest).
      const kw = [0.5, -1, 2, 1.5, 0.25, -0.5]; // [tap0 c0, tap0 c1, tap1 c0, ...]
      const kh = [1, 0.5, -2, 1, 0.75, -1];
      const kd = [-0.5, 2, 1, 1, 0.5, 0.25];
      setWeights(model, 'f_dw_w', [{ shape: [1, 3, 2, 1], data: kw }]);
      setWeights(model, 'f_dw_h', [{ shape: [1, 3, 2, 1], data: kh }]);
      setWeights(model, 'f_dw_d', [{ shape: [1, 3, 2, 1], data: kd }]);
      setWeights(model, 'f_pw', [identity(2, 3), { shape: [2], data: 0 }]);
      const x = tf.randomNormal([1, 4, 4, 4, 2], 0, 1, 'float32', 10);
      const y = model.predict(x) as tf.Tensor;
      const perChannel = [0, 1].map((c) => {
        const k = [];
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let w = 0; w < 3; w++) k.push(kd[2 * a + c]! * kh[2 * b + c]! * kw[2 * w + c]!);
        const channel = tf.slice(x, [0, 0, 0, 0, c], [1, 4, 4, 4, 1]) as tf.Tensor5D;
        return tf.conv3d(channel, tf.tensor5d(k, [3, 3, 3, 1, 1]), strides, 'same');
      });
      const expected = tf.concat(perChannel, -1);
      expect(y.shape).toEqual(expected.shape);
      expectClose(Array.from(await y.data()), Array.from(await expected.data()), 1e-5);
      tf.dispose([x, y, expected, ...perChannel]);
      model.dispose();
    });
  }
});

describe('separableConv options', () => {
  it('adds norm and activation between the convs with depthwiseNormAct; needs fixed sizes in 3D', () => {
    const x = tfl.input({ shape: [8, 8, 4] });
    const model = tfl.model({ inputs: x, outputs: separableConv(x, 8, { depthwiseNormAct: true, depthMultiplier: 2, name: 'm' }) });
    expect(model.layers.map((l) => l.name)).toEqual([model.layers[0]!.name, 'm_dw', 'm_dw_norm', 'm_dw_act', 'm_pw', 'm_norm', 'm_act']);
    expect(model.getLayer('m_dw').outputShape).toEqual([null, 8, 8, 8]);
    model.dispose();
    expect(() => separableConv(tfl.input({ shape: [null, 8, 8, 2] }), 4, { spatialDims: 3 })).toThrow(/separableConv: x has shape \[null, null, 8, 8, 2\]; the 3D depthwise conv .* needs known spatial sizes/);
    expect(() => separableConv(x, 4, { dilationRate: 2 } as never)).toThrow(/options\.dilationRate is not a known option/);
  });
});
