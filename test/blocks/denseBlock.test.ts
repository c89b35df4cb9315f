import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { denseBlock } from '../../src/blocks/denseBlock.js';
import { describeBlock, tinySpatial } from './blockHarness.js';

describeBlock('denseBlock', {
  channels: 2,
  build: (x, spatialDims) => denseBlock(x, 3, { spatialDims, layers: 2, seed: 1, name: 'd' }),
  names: () => ['d_l1_norm', 'd_l1_act', 'd_l1_conv', 'd_concat1', 'd_l2_norm', 'd_l2_act', 'd_l2_conv', 'd_concat2'],
  outputShape: (d) => [...tinySpatial(d), 2 + 2 * 3],
});

describe('denseBlock', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('passes its input through unchanged as the first channels (concatenation, not addition)', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: denseBlock(input, 4, { layers: 3, seed: 2, name: 'p' }) });
    const x = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 3);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 2 + 3 * 4]);
    const head = tf.slice(y, [0, 0, 0, 0], [1, 4, 4, 2]);
    expect(Array.from(await head.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, y, head]);
    model.dispose();
  });

  it('adds a 1x1 bottleneck to 4 * growthRate with bottleneck (DenseNet-B); params match the closed form', () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: denseBlock(input, 3, { layers: 2, bottleneck: true, norm: 'none', name: 'b' }) });
    expect(model.getLayer('b_l1_bconv').outputShape).toEqual([null, 4, 4, 12]);
    // Layer 1: 1x1 2 -> 12 (24 + 12), 3x3 12 -> 3 (324 + 3); layer 2 on 5 channels: 1x1 5 -> 12 (60 + 12), 3x3 12 -> 3 (327).
    expect(model.countParams()).toBe(36 + 327 + 72 + 327);
    model.dispose();
    expect(() => denseBlock(input, 0)).toThrow(/denseBlock: growthRate is 0; expected an integer >= 1/);
  });
});
