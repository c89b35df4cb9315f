import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { fusionUNet, type FusionUNetOptions } from '../../src/models/fusionUNet.js';
import { unet } from '../../src/models/unet.js';
import { activateTestBackend, describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite, expectUniqueNames, fitLosses, fixedTarget, predictArrays, randomInput, roundTrip } from './harness.js';

const FILTERS = [2, 4, 8];

/** Two single-channel modalities, 16x16 or 8x8x8, filters [2, 4, 8]. */
function options(spatialDims: 2 | 3, extra: Partial<FusionUNetOptions> = {}): FusionUNetOptions {
  return { inputShape: spatialDims === 2 ? [16, 16, 2] : [8, 8, 8, 2], numClasses: 2, spatialDims, filters: FILTERS, seed: 7, ...extra };
}

const CONFIGS: Array<{ title: string; extra: Partial<FusionUNetOptions>; names: string[] }> = [
  { title: 'early fusion with modality dropout', extra: { fusion: 'early', modalityDropout: 0.5 }, names: ['modality_mask', 'modality_drop', 'enc0_conv1', 'bottleneck_conv2'] },
  {
    title: 'late fusion by concatenation',
    extra: {},
    names: ['modality0_slice', 'modality1_slice', 'mod0_enc0_conv1', 'mod1_bottleneck_conv2', 'enc0_fuse_concat', 'enc1_fuse_conv', 'bottleneck_fuse_act', 'dec0_concat'],
  },
  {
    title: 'late fusion by attention with modality dropout',
    extra: { merge: 'attention', modalityDropout: 0.5 },
    names: ['modality_mask', 'mod1_enc1_down_pool', 'enc0_fuse_att', 'enc1_fuse_att', 'bottleneck_fuse_att', 'dec1_up'],
  },
];

describeEachBackend('fusionUNet', () => {
  for (const spatialDims of [2, 3] as const) {
    const spatial = spatialDims === 2 ? [16, 16] : [8, 8, 8];
    // Early fusion in 3D is unet's 3D path with the same weight-free layers as in 2D: 2D covers it.
    for (const config of spatialDims === 2 ? CONFIGS : CONFIGS.slice(1)) {
      describe(`${spatialDims}D ${config.title}`, () => {
        it('has the right output shape and names; forward gives probabilities; no leaks', async () => {
          const x = randomInput([2, ...spatial, 2]);
          await expectNoLeak(async () => {
            const model = fusionUNet(options(spatialDims, config.extra));
            expect(model.outputs.map((o) => o.shape)).toEqual([[null, ...spatial, 2]]);
            expect(expectUniqueNames(model)).toEqual(expect.arrayContaining(['input', ...config.names, 'head_conv', 'head_act']));
            const [probs] = await predictArrays(model, x);
            expectFinite(probs!);
            const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
            expectClose(sums, sums.map(() => 1), 1e-5);
            // Modality dropout is inactive at inference: two predictions agree.
            expect(await predictArrays(model, x)).toEqual([probs]);
            model.dispose();
          });
          x.dispose();
        });

        it('a few training steps lower the loss', async () => {
          const x = randomInput([2, ...spatial, 2], 3);
          const y = fixedTarget(x, 2);
          await expectNoLeak(async () => {
            const model = fusionUNet(options(spatialDims, { ...config.extra, ...(spatialDims === 3 ? { norm: 'instance' } : {}) }));
            const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
            expectFinite(losses);
            expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
            model.dispose();
          });
          tf.dispose([x, y]);
        });

        it('saves and loads with identical outputs', async () => {
          const x = randomInput([1, ...spatial, 2], 5);
          await expectNoLeak(async () => {
            const model = fusionUNet(options(spatialDims, config.extra));
            const loaded = await roundTrip(model);
            expect(loaded.countParams()).toBe(model.countParams());
            expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
            model.dispose();
            loaded.dispose();
          });
          x.dispose();
        });
      });
    }
  }
});

/** Closed form of one modality's encoder (batch norm: 4 values per channel, no conv bias). */
function encoderParams(inChannels: number, filters: number[], taps: number): number {
  return filters.reduce((sum, f, i) => sum + taps * (i === 0 ? inChannels : filters[i - 1]!) * f + 4 * f + taps * f * f + 4 * f, 0);
}

describe('fusionUNet parameters and structure', () => {
  beforeAll(() => activateTestBackend('cpu'));
  for (const spatialDims of [2, 3] as const) {
    const taps = spatialDims === 2 ? 9 : 27;
    it(`${spatialDims}D: early fusion is the U-Net; late fusion adds M - 1 encoders and the fusion layers`, () => {
      const base = unet({ ...options(spatialDims), inputShape: spatialDims === 2 ? [16, 16, 1] : [8, 8, 8, 1] });
      const early = fusionUNet(options(spatialDims, { fusion: 'early', modalityDropout: 0.25 }));
      const stacked = unet(options(spatialDims));
      expect(early.countParams()).toBe(stacked.countParams());
      const concat = fusionUNet(options(spatialDims));
      // 1x1 fusion conv M F^2 (no bias before batch norm) + its batch norm 4F, per level.
      const concatFusion = FILTERS.reduce((s, f) => s + 2 * f * f + 4 * f, 0);
      expect(concat.countParams()).toBe(base.countParams() + encoderParams(1, FILTERS, taps) + concatFusion);
      const attention = fusionUNet(options(spatialDims, { merge: 'attention' }));
      const attentionFusion = FILTERS.reduce((s, f) => {
        const hidden = Math.max(1, Math.floor((2 * f) / 4));
        return s + 2 * 2 * f * hidden + hidden + 2 * f;
      }, 0);
      expect(attention.countParams()).toBe(base.countParams() + encoderParams(1, FILTERS, taps) + attentionFusion);
      for (const m of [base, early, stacked, concat, attention]) m.dispose();
    });
  }

  it('splits a [.., M * c] input into c-channel encoders; the fused widths are filters[i]', () => {
    const model = fusionUNet({ inputShape: [16, 16, 6], numClasses: 3, filters: FILTERS, modalities: 3, merge: 'attention' });
    expect(model.getLayer('modality2_slice').outputShape).toEqual([null, 16, 16, 2]);
    expect(model.getLayer('mod2_enc0_conv1').outputShape).toEqual([null, 16, 16, 2]);
    expect(model.getLayer('enc1_fuse_concat').outputShape).toEqual([null, 8, 8, 12]);
    expect(model.getLayer('enc1_fuse_att').outputShape).toEqual([null, 8, 8, 4]);
    expect(model.getLayer('bottleneck_fuse_att').outputShape).toEqual([null, 4, 4, 8]);
    model.dispose();
  });

  it('modality dropout is active in fit and not in evaluate (instance norm: no other train/test difference)', async () => {
    const x = randomInput([4, 16, 16, 2], 9);
    const y = fixedTarget(x, 2);
    const lossesOf = async (modalityDropout: number) => {
      const model = fusionUNet(options(2, { norm: 'instance', modalityDropout, seed: 11 }));
      // Learning rate 0: fit's loss is the training-mode forward of the initial weights.
      const optimizer = tf.train.sgd(0);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      const evaluated = model.evaluate(x, y, { batchSize: 4 }) as tf.Scalar;
      const result = { fit: history.history.loss as number[], evaluate: (await evaluated.data())[0]! };
      tf.dispose(evaluated);
      optimizer.dispose();
      model.dispose();
      return result;
    };
    const none = await lossesOf(0);
    expectClose(none.fit, none.fit.map(() => none.evaluate), 1e-5);
    const dropped = await lossesOf(0.9);
    expectFinite(dropped.fit);
    expect(dropped.fit.some((l) => Math.abs(l - dropped.evaluate) > 1e-4)).toBe(true);
    // A seeded mask differs between steps.
    expect(new Set(dropped.fit).size).toBeGreaterThan(1);
    tf.dispose([x, y]);
  });

  it('takes any spatial size with null inputShape sizes (attention and modality dropout included)', async () => {
    const model = fusionUNet({ ...options(2), inputShape: [null, null, 2], merge: 'attention', modalityDropout: 0.3 });
    for (const size of [[8, 12], [16, 4]]) {
      const x = randomInput([1, ...size, 2], 4);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, ...size, 2]);
      expectFinite(await y.data());
      tf.dispose([x, y]);
    }
    model.dispose();
  });

  it('rejects bad fusion options with the factory, the option and what is valid', () => {
    expect(() => fusionUNet(options(2, { modalities: 3 }))).toThrow(/fusionUNet: options.modalities is 3 with 2 input channels/);
    expect(() => fusionUNet(options(2, { fusion: 'middle' as 'late' }))).toThrow(/options.fusion.*'early'/);
    expect(() => fusionUNet(options(2, { merge: 'sum' as 'concat' }))).toThrow(/options.merge/);
    expect(() => fusionUNet(options(2, { fusion: 'early', merge: 'attention' }))).toThrow(/merges nothing/);
    expect(() => fusionUNet(options(2, { modalityDropout: 1 }))).toThrow(UnetKitError);
    expect(() => fusionUNet(options(2, { modalityDropout: -0.1 }))).toThrow(/modalityDropout/);
  });
});
