import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { attentionUNet } from '../../src/models/attentionUNet.js';
import type { UNetOptions } from '../../src/models/options.js';
import { resUNet } from '../../src/models/resUNet.js';
import { unet } from '../../src/models/unet.js';
import { activateTestBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

const multiScale = { multiScaleInput: true } as Partial<UNetOptions>;

describeFactory('unet multiScaleInput', unet, {
  expectedNames: ['scale1_pool', 'scale2_pool', 'enc1_scale_concat', 'bottleneck_scale_concat', 'enc1_conv1', 'dec0_concat'],
  extra: multiScale,
});

describeFactory('resUNet multiScaleInput', resUNet, {
  expectedNames: ['scale1_pool', 'enc1_scale_concat', 'bottleneck_scale_concat', 'enc1_proj'],
  extra: multiScale,
  train3d: { norm: 'instance' },
});

describeFactory("resUNet multiScaleInput 'gaussian'", resUNet, {
  expectedNames: ['scale1_gauss', 'enc1_scale_concat', 'bottleneck_scale_concat'],
  extra: { multiScaleInput: 'gaussian' } as Partial<UNetOptions>,
  train3d: { norm: 'instance' },
});

describeFactory('attentionUNet multiScaleInput', attentionUNet, {
  expectedNames: ['scale1_pool', 'scale2_pool', 'enc1_scale_concat', 'bottleneck_scale_concat', 'dec0_att_psi'],
  extra: multiScale,
});

describe('multiScaleInput structure', () => {
  beforeAll(() => activateTestBackend('cpu'));
  for (const spatialDims of [2, 3] as const) {
    const taps = spatialDims === 2 ? 9 : 27;
    it(`${spatialDims}D unet: level i takes the input pooled by 2^i; each lower level's first conv gains C * k^d * filters[i] weights`, async () => {
      const options = { ...tinyOptions(spatialDims), inputShape: spatialDims === 2 ? [16, 16, 3] : [8, 8, 8, 3] };
      const plain = unet(options);
      const model = unet({ ...options, multiScaleInput: true });
      const size = spatialDims === 2 ? [16, 16] : [8, 8, 8];
      const at = (k: number) => size.map((s) => s / 2 ** k);
      expect(model.getLayer('scale1_pool').outputShape).toEqual([null, ...at(1), 3]);
      expect(model.getLayer('scale2_pool').outputShape).toEqual([null, ...at(2), 3]);
      // filters [2, 4, 8]: pooled features 2 (resp. 4) channels + 3 image channels.
      expect(model.getLayer('enc1_scale_concat').outputShape).toEqual([null, ...at(1), 2 + 3]);
      expect(model.getLayer('bottleneck_scale_concat').outputShape).toEqual([null, ...at(2), 4 + 3]);
      expect(model.countParams() - plain.countParams()).toBe(3 * taps * (4 + 8));
      // The pyramid is the mean of 2^i blocks: level 2 of a constant image is that constant.
      const pyramid = tf.tidy(() => {
        const x = tf.fill([1, ...size, 3], 0.25);
        return model.getLayer('scale2_pool').apply(model.getLayer('scale1_pool').apply(x) as tf.Tensor) as tf.Tensor;
      });
      expectClose(Array.from(await pyramid.data()), Array(pyramid.size).fill(0.25), 1e-6);
      pyramid.dispose();
      plain.dispose();
      model.dispose();
    });
  }

  it('resUNet strided: level 1 takes the full-size input before its strided unit, level i the input at 1/2^(i-1)', () => {
    const model = resUNet({ ...tinyOptions(2), filters: [2, 4, 8, 8], multiScaleInput: true });
    expect(model.getLayer('enc1_scale_concat').outputShape).toEqual([null, 16, 16, 3]);
    expect(model.getLayer('enc2_scale_concat').outputShape).toEqual([null, 8, 8, 5]);
    expect(model.getLayer('bottleneck_scale_concat').outputShape).toEqual([null, 4, 4, 9]);
    expect(model.layers.map((l) => l.name)).not.toContain('scale3_pool');
    model.dispose();
    const pooled = resUNet({ ...tinyOptions(2), downsampling: 'maxPool', multiScaleInput: true });
    expect(pooled.getLayer('enc1_scale_concat').outputShape).toEqual([null, 8, 8, 3]);
    pooled.dispose();
  });

  it("'gaussian' builds the pyramid from Gaussian REDUCE steps (2D and 3D), with the same parameter count as average pooling", () => {
    for (const spatialDims of [2, 3] as const) {
      const model = unet({ ...tinyOptions(spatialDims), multiScaleInput: 'gaussian' });
      const pooled = unet({ ...tinyOptions(spatialDims), multiScaleInput: 'average' });
      const names = model.layers.map((l) => l.name);
      expect(names).toEqual(expect.arrayContaining(['scale1_gauss', 'scale2_gauss', 'enc1_scale_concat']));
      expect(names).not.toContain('scale1_pool');
      expect(model.getLayer('scale2_gauss').outputShape).toEqual([null, ...(spatialDims === 2 ? [4, 4] : [2, 2, 2]), 1]);
      expect(model.countParams()).toBe(pooled.countParams());
      model.dispose();
      pooled.dispose();
    }
  });

  it('is off by default: no pyramid layers', () => {
    for (const model of [unet(tinyOptions(2)), resUNet(tinyOptions(2)), attentionUNet(tinyOptions(2))]) {
      expect(model.layers.map((l) => l.name).some((n) => n.includes('scale'))).toBe(false);
      model.dispose();
    }
  });

  it('rejects a non-boolean multiScaleInput, naming the factory', () => {
    expect(() => unet({ ...tinyOptions(2), multiScaleInput: 'yes' as unknown as boolean })).toThrow(UnetKitError);
    expect(() => unet({ ...tinyOptions(2), multiScaleInput: 'gausian' as 'gaussian' })).toThrow(/Did you mean 'gaussian'/);
    expect(() => resUNet({ ...tinyOptions(2), multiScaleInput: 1 as unknown as boolean })).toThrow(/resUNet.*multiScaleInput/);
    expect(() => attentionUNet({ ...tinyOptions(2), multiScaleInput: 'x' as unknown as boolean })).toThrow(/attentionUNet/);
  });
});
