import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { swinBlockParameterCount } from '../../src/blocks/swinBlock.js';
import { swinUNETR, swinUNETRParameterCount, type SwinUNETROptions } from '../../src/models/swinUNETR.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite, expectRoundTripIdentical, expectTrainingLowersLoss, expectUniqueNames, fixedTarget, predictArrays, randomInput } from './harness.js';

/** A tiny Swin UNETR: 32^dims input, feature size 2, one head per stage, window 4 (stage 1 is shifted). */
function tiny(spatialDims: 2 | 3, extra: Partial<SwinUNETROptions> = {}): SwinUNETROptions {
  return { inputShape: spatialDims === 2 ? [32, 32, 1] : [32, 32, 32, 1], numClasses: 2, featureSize: 2, numHeads: [1, 1, 1, 1], windowSize: 4, seed: 3, ...extra };
}

describeEachBackend('swinUNETR', () => {
  for (const spatialDims of [2, 3] as const) {
    describe(`${spatialDims}D`, () => {
      const spatial = spatialDims === 2 ? [32, 32] : [32, 32, 32];

      it('has the right output shape and MONAI-like layer names; forward gives probabilities; no leaks', async () => {
        const x = randomInput([1, ...spatial, 1]);
        await expectNoLeak(async () => {
          const model = swinUNETR(tiny(spatialDims));
          expect(model.outputs.map((o) => o.shape)).toEqual([[null, ...spatial, 2]]);
          const names = expectUniqueNames(model);
          expect(names).toEqual(expect.arrayContaining(['input', 'swin_patch_embed', 'swin_stage1_block1_attn', 'swin_stage1_block2_attn', 'swin_stage4_merge', 'swin_out4', 'enc0_conv1', 'enc10_conv2', 'dec5_up', 'dec1_concat', 'dec1_block_conv2', 'head_conv', 'head_act']));
          expect(model.getLayer('swin_stage1_block2_attn').getConfig()).toMatchObject({ windowSize: 4, shiftSize: 2 });
          expect(model.getLayer('swin_stage1_block1_attn').getConfig()).toMatchObject({ shiftSize: 0 });
          const [probs] = await predictArrays(model, x);
          expectFinite(probs!);
          const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
          expectClose(sums, sums.map(() => 1), 1e-5);
          model.dispose();
        });
        x.dispose();
      });

      // 32^3 is the smallest 3D input (five halvings); a step of it takes about 20 s on the cpu
      // backend, so 3D trains 2 steps on one sample.
      it('a few training steps lower the loss', { timeout: 240_000 }, async () => {
        const x = randomInput([spatialDims === 2 ? 2 : 1, ...spatial, 1], 3);
        const y = fixedTarget(x, 2);
        await expectTrainingLowersLoss(() => swinUNETR(tiny(spatialDims)), x, y, spatialDims === 2 ? 4 : 2);
        tf.dispose([x, y]);
      });

      it('saves and loads with identical outputs and leaves no tensors', async () => {
        const x = randomInput([1, ...spatial, 1], 5);
        await expectRoundTripIdentical(() => swinUNETR(tiny(spatialDims)), x);
        x.dispose();
      });
    });
  }
});

describe('swinUNETR parameter count', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the closed form equals countParams() of built models across options', () => {
    const configs: SwinUNETROptions[] = [
      tiny(2),
      tiny(2, { inputShape: [32, 64, 3], numClasses: 4, featureSize: 4, numHeads: [1, 2, 2, 4], depths: [1, 2, 1, 1] }),
      tiny(2, { norm: 'batch', windowSize: 7, normalize: false }),
      tiny(3, { depths: [1, 1, 1, 1] }),
      tiny(3, { norm: { type: 'group', groups: 2 }, depths: [2, 1, 1, 1], numHeads: [2, 2, 2, 2] }),
    ];
    for (const options of configs) {
      const model = swinUNETR(options);
      expect(swinUNETRParameterCount(options), JSON.stringify(options)).toBe(model.countParams());
      model.dispose();
    }
  });

  it('is 62,187,296 at feature size 48 on 1 x 96^3 with 14 classes, derived term by term', () => {
    const block = (c: number, h: number) => 12 * c * c + 13 * c + 13 ** 3 * h;
    expect(block(48, 3)).toBe(swinBlockParameterCount(48, 3, 7, 3));
    const merge = (c: number) => 2 * 8 * c + 8 * c * 2 * c;
    const swin = 8 * 48 + 48 + [48, 96, 192, 384].reduce((s, c, i) => s + 2 * block(c, [3, 6, 12, 24][i]!) + merge(c), 0);
    expect(swin).toBe(8_062_002);
    const res = (a: number, b: number) => 27 * a * b + 27 * b * b + (a !== b ? a * b : 0);
    const F = 48;
    const cnn =
      res(1, F) + res(F, F) + res(2 * F, 2 * F) + res(4 * F, 4 * F) + res(16 * F, 16 * F) +
      (8 * 16 * F * 8 * F + res(16 * F, 8 * F)) + (8 * 8 * F * 4 * F + res(8 * F, 4 * F)) + (8 * 4 * F * 2 * F + res(4 * F, 2 * F)) +
      (8 * 2 * F * F + res(2 * F, F)) + (8 * F * F + res(2 * F, F)) + (F * 14 + 14);
    expect(cnn).toBe(54_125_294);
    expect(swinUNETRParameterCount({ inputShape: [96, 96, 96, 1], numClasses: 14, featureSize: 48 })).toBe(62_187_296);
  });
});

describe('swinUNETR arguments', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects bad options naming the function, option and valid values, leaving no weights behind', () => {
    const before = tf.memory().numTensors;
    expect(() => swinUNETR({ inputShape: [96, 80, 1], numClasses: 2 })).toThrow(
      "swinUNETR: options.inputShape is [96, 80, 1]: spatial size 80 (axis 1) must be a multiple of 32 (patch 2 and four patch mergings); nearest valid: 64 or 96, or pad with padToMultiple(x, 32) from 'unet-kit/data'.",
    );
    expect(() => swinUNETR({ inputShape: [32, 32, 1], numClasses: 2, featureSize: 16 })).toThrow(
      'swinUNETR: options.featureSize is 16: stage 1 has 16 channels, which its 3 heads (options.numHeads[0]) must divide; with the default heads [3, 6, 12, 24] use a multiple of 12 (MONAI\'s rule).',
    );
    expect(() => swinUNETR({ ...tiny(2), depths: [2, 2] })).toThrow('swinUNETR: options.depths is [2, 2]; expected an array of 4 numbers, each an integer >= 1.');
    expect(() => swinUNETR({ ...tiny(2), dropout: 1 })).toThrow('swinUNETR: options.dropout is 1; expected a rate in [0, 1).');
    expect(tf.memory().numTensors).toBe(before);
  });
});
