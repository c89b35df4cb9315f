import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import type { PlainUNetOptions } from '../../src/models/options.js';
import { resUNet } from '../../src/models/resUNet.js';
import { unet } from '../../src/models/unet.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { describeFactory } from './factoryHarness.js';
import { expectFinite, fitLosses, fixedTarget, predictArrays, randomInput, roundTrip } from './harness.js';

describeFactory('unet', unet, {
  expectedNames: ['enc0_conv1', 'enc0_norm1', 'enc0_act1', 'enc0_conv2', 'enc1_down_pool', 'bottleneck_conv1', 'dec1_up', 'dec1_concat', 'dec0_conv2'],
});

// The interpolating decoder (upsampling 'linear': bilinear in 2D, trilinear in 3D): a 1x1 conv
// to the level's width, then UpSampling2D / unet-kit's UpSampling3D.
describeFactory('unet with bi- / trilinear up-sampling', unet, {
  expectedNames: ['dec1_up_proj', 'dec1_up', 'dec1_concat', 'dec0_up_proj', 'dec0_up', 'dec0_conv2'],
  extra: { upsampling: 'linear' },
});

// padding: 'valid' (the 2015 paper as published): unpadded convs and centre-cropped skips.
describeEachBackend('unet with padding valid', () => {
  const options = (spatialDims: 2 | 3, extra: Partial<PlainUNetOptions> = {}): PlainUNetOptions => ({
    inputShape: spatialDims === 2 ? [null, null, 1] : [null, null, null, 1],
    numClasses: 2,
    spatialDims,
    filters: spatialDims === 2 ? [2, 4, 8] : [2, 4],
    norm: 'none',
    padding: 'valid',
    seed: 3,
    ...extra,
  });

  it('2D, depth 2: 44 -> 4 and 48 x 52 -> 8 x 12, skips cropped by 2 m_{i+1} = 4 and 16 per side; probabilities; no leaks', async () => {
    const fixed = unet(options(2, { inputShape: [44, 44, 1] }));
    expect(fixed.outputs[0]!.shape).toEqual([null, 4, 4, 2]);
    expect(fixed.getLayer('dec1_crop').getConfig().cropping).toEqual([[4, 4], [4, 4]]);
    expect(fixed.getLayer('dec0_crop').getConfig().cropping).toEqual([[16, 16], [16, 16]]);
    // 44 -> enc0 40 -> pool 20 -> enc1 16 -> pool 8 -> bottleneck 4 -> up 8 (enc1's 16 cropped
    // by 4 + 4) -> dec1 4 -> up 8 (enc0's 40 cropped by 16 + 16) -> dec0 4.
    expect(fixed.getLayer('enc0_conv2').outputShape).toEqual([null, 40, 40, 2]);
    expect(fixed.getLayer('dec1_crop').outputShape).toEqual([null, 8, 8, 4]);
    expect(fixed.getLayer('dec0_crop').outputShape).toEqual([null, 8, 8, 2]);
    fixed.dispose();
    const x = randomInput([1, 48, 52, 1]);
    await expectNoLeak(async () => {
      const model = unet(options(2));
      expect(model.outputs[0]!.shape).toEqual([null, null, null, 2]);
      const out = model.predict(x) as tf.Tensor;
      expect(out.shape).toEqual([1, 8, 12, 2]);
      const p = Array.from(await out.data());
      expectClose(Array.from({ length: p.length / 2 }, (_, i) => p[2 * i]! + p[2 * i + 1]!), Array(p.length / 2).fill(1), 1e-5);
      out.dispose();
      model.dispose();
    });
    x.dispose();
  });

  it('3D, depth 1, one conv per level: 12^3 -> 4^3 (margin 4); trains (the crop gradient) and round-trips exactly', async () => {
    const x = randomInput([2, 12, 12, 12, 1], 5);
    const y = tf.tidy(() => fixedTarget(tf.slice(x, [0, 4, 4, 4, 0], [2, 4, 4, 4, 1]), 2));
    await expectNoLeak(async () => {
      const model = unet(options(3, { inputShape: [12, 12, 12, 1], convsPerLevel: 1 }));
      expect(model.outputs[0]!.shape).toEqual([null, 4, 4, 4, 2]);
      // 12 -> enc0 10 -> pool 5 -> bottleneck 3 -> up 6 (enc0's 10 cropped by 2 + 2) -> dec0 4.
      expect(model.getLayer('dec0_crop').getConfig().cropping).toEqual([[2, 2], [2, 2], [2, 2]]);
      const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
      expectFinite(losses);
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      const loaded = await roundTrip(model);
      expect(loaded.getLayer('dec0_crop').getClassName()).toBe('Cropping3D');
      expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
      loaded.dispose();
      model.dispose();
    });
    tf.dispose([x, y]);
  });
});

describe('unet padding option', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("keeps the valid geometry with every up- and down-sampling mode, and gives each deep-supervision head its level's size", () => {
    const base = { inputShape: [44, 44, 1], numClasses: 2, filters: [2, 4, 8], padding: 'valid', seed: 1 } as const;
    for (const extra of [{ upsampling: 'nearest' }, { upsampling: 'linear' }, { downsampling: 'avgPool' }, { downsampling: 'strided' }] as const) {
      const model = unet({ ...base, ...extra });
      expect(model.outputs[0]!.shape, JSON.stringify(extra)).toEqual([null, 4, 4, 2]);
      model.dispose();
    }
    // dec0: 8 -> 4 (head); dec1: the bottleneck's 4 up to 8, two convs -> 4 (head_ds1).
    const supervised = unet({ ...base, deepSupervision: true });
    expect(supervised.outputs.map((o) => o.shape)).toEqual([
      [null, 4, 4, 2],
      [null, 4, 4, 2],
    ]);
    supervised.dispose();
  });

  it('rejects invalid fixed sizes naming the nearest valid ones, bad values, and the option on other factories', () => {
    const paper = { numClasses: 2, filters: [64, 128, 256, 512, 1024], norm: 'none', padding: 'valid' } as const;
    expect(() => unet({ ...paper, inputShape: [572, 570, 1] })).toThrow(
      "unet: options.inputShape is [572, 570, 1]: spatial size 570 (axis 1) is not valid with padding 'valid', 4 poolings and 2 unpadded 3x3 convs per level, every level's size must be even before its pooling and the output positive; nearest valid: 556 or 572 (output 372 or 388; see validUNetSizes and unetOutputSize).",
    );
    // 64 is divisible by 16 (fine for 'same') but too small for 'valid': the output would be negative.
    expect(() => unet({ ...paper, inputShape: [64, 64, 1] })).toThrow(/nearest valid: 188 \(output 4;/);
    expect(() => unet({ inputShape: [16, 16, 1], numClasses: 2, padding: 'full' as never })).toThrow(/unet: options.padding is 'full'; expected one of 'same', 'valid'/);
    expect(() => resUNet({ inputShape: [44, 44, 1], numClasses: 2, padding: 'valid' } as never)).toThrow(/resUNet: options.padding is not a known option/);
  });
});
