import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { unetPlusPlus } from '../../src/models/unetPlusPlus.js';
import { expectClose } from '../helpers/numeric.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';
import { predictArrays, randomInput } from './harness.js';

describeFactory('unetPlusPlus', unetPlusPlus, {
  expectedNames: ['x0_0_conv1', 'x1_0_down_pool', 'x2_0_conv2', 'x0_1_up', 'x0_1_concat', 'x1_1_conv1', 'x0_2_concat', 'x0_2_conv2'],
  // 3D training with another norm and up-sampling than the default.
  train3d: { norm: 'instance', upsampling: 'nearest' },
});

describe('unetPlusPlus nested skips and deep supervision', () => {
  it('concatenates every earlier node of the level with the up-sampled node below', () => {
    const model = unetPlusPlus(tinyOptions(2));
    // X(0,2) sees X(0,0) and X(0,1) (2 channels each) and up(X(1,1)) (2 channels): 6.
    expect(model.getLayer('x0_2_concat').outputShape).toEqual([null, 16, 16, 6]);
    model.dispose();
  });

  it('deepSupervision: true gives one full-resolution output per column, the deepest first', async () => {
    const model = unetPlusPlus({ ...tinyOptions(2), deepSupervision: true });
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 16, 16, 2],
      [null, 16, 16, 2],
    ]);
    expect(model.outputNames).toEqual(['head_act', 'head_ds1_act']);
    const source = (layer: string) => model.getLayer(layer).inboundNodes[0]!.inboundLayers[0]!.name;
    expect(source('head_conv')).toBe('x0_2_act2');
    expect(source('head_ds1_conv')).toBe('x0_1_act2');
    model.dispose();
  });

  it("deepSupervision: 'mean' outputs the mean of the per-column outputs", async () => {
    const options = { ...tinyOptions(2), seed: 11 };
    const each = unetPlusPlus({ ...options, deepSupervision: true });
    const mean = unetPlusPlus({ ...options, deepSupervision: 'mean' });
    const x = randomInput([1, 16, 16, 1], 2);
    const [a, b] = await predictArrays(each, x);
    const [m] = await predictArrays(mean, x);
    // Same seed, same layers in the same order: the same weights, so mean = (a + b) / 2.
    expectClose(m, a!.map((v, i) => (v + b![i]!) / 2), 1e-6);
    each.dispose();
    mean.dispose();
    tf.dispose(x);
  });
});
