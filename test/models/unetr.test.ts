import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { unetr, unetrParameterCount, type UNETROptions } from '../../src/models/unetr.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite, expectRoundTripIdentical, expectTrainingLowersLoss, expectUniqueNames, fixedTarget, predictArrays, randomInput } from './harness.js';

/** A tiny UNETR: one 16^dims patch, feature size 2, 12-wide tokens, 2 heads. */
function tiny(spatialDims: 2 | 3, extra: Partial<UNETROptions> = {}): UNETROptions {
  return { inputShape: spatialDims === 2 ? [16, 16, 1] : [16, 16, 16, 1], numClasses: 2, featureSize: 2, hiddenSize: 12, mlpDim: 24, numHeads: 2, seed: 3, ...extra };
}

describeEachBackend('unetr', () => {
  for (const spatialDims of [2, 3] as const) {
    describe(`${spatialDims}D`, () => {
      const spatial = spatialDims === 2 ? [16, 16] : [16, 16, 16];

      it('has the right output shape and MONAI-like layer names; forward gives probabilities; no leaks', async () => {
        const x = randomInput([1, ...spatial, 1]);
        await expectNoLeak(async () => {
          const model = unetr(tiny(spatialDims));
          expect(model.outputs.map((o) => o.shape)).toEqual([[null, ...spatial, 2]]);
          const names = expectUniqueNames(model);
          expect(names).toEqual(expect.arrayContaining(['input', 'vit_patch_embed', 'vit_pos_embed', 'vit_block1_attn', 'vit_block12_mlp2', 'vit_norm', 'enc1_conv1', 'enc2_proj_up', 'enc2_up2', 'enc2_block2_conv1', 'enc3_up1', 'enc4_proj_up', 'dec5_up', 'dec5_concat', 'dec2_block_conv2', 'head_conv', 'head_act']));
          const [probs] = await predictArrays(model, x);
          expectFinite(probs!);
          const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
          expectClose(sums, sums.map(() => 1), 1e-5);
          model.dispose();
        });
        x.dispose();
      });

      it('a few training steps lower the loss', async () => {
        const x = randomInput([2, ...spatial, 1], 3);
        const y = fixedTarget(x, 2);
        await expectTrainingLowersLoss(() => unetr(tiny(spatialDims)), x, y, 4);
        tf.dispose([x, y]);
      });

      it('saves and loads with identical outputs and leaves no tensors', async () => {
        const x = randomInput([1, ...spatial, 1], 5);
        await expectRoundTripIdentical(() => unetr(tiny(spatialDims)), x);
        x.dispose();
      });
    });
  }
});

describe('unetr parameter count', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the closed form equals countParams() of built models across options', () => {
    const configs: UNETROptions[] = [
      tiny(2),
      tiny(2, { inputShape: [32, 48, 3], numClasses: 4, featureSize: 3 }),
      tiny(2, { resBlock: false, qkvBias: true }),
      tiny(2, { convBlock: false, norm: 'batch' }),
      tiny(2, { norm: 'instance', featureSize: 4 }),
      tiny(3),
      tiny(3, { inputShape: [16, 32, 16, 2], norm: { type: 'group', groups: 2 } }),
    ];
    for (const options of configs) {
      const model = unetr(options);
      expect(unetrParameterCount(options), JSON.stringify(options)).toBe(model.countParams());
      model.dispose();
    }
  });

  it('is 92,784,046 at MONAI defaults (1 x 96^3 input, 14 classes), derived term by term', () => {
    // ViT: patch conv 16^3 * 768 + 768, positions 216 * 768, 12 blocks of
    // 4 * 768^2 + 768 (attention) + 2 * 768 * 3072 + 3072 + 768 (MLP) + 4 * 768 (norms), final norm 2 * 768.
    const block = 4 * 768 ** 2 + 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768;
    const vit = 4096 * 768 + 768 + 216 * 768 + 12 * block + 1536;
    expect(vit).toBe(88_340_736);
    const res = (a: number, b: number) => 27 * a * b + 27 * b * b + (a !== b ? a * b : 0);
    const cnn =
      res(1, 16) +
      (8 * 768 * 32 + 2 * (8 * 32 * 32 + res(32, 32))) +
      (8 * 768 * 64 + (8 * 64 * 64 + res(64, 64))) +
      8 * 768 * 128 +
      (8 * 768 * 128 + res(256, 128)) +
      (8 * 128 * 64 + res(128, 64)) +
      (8 * 64 * 32 + res(64, 32)) +
      (8 * 32 * 16 + res(32, 16)) +
      (16 * 14 + 14);
    expect(cnn).toBe(4_443_310);
    expect(unetrParameterCount({ inputShape: [96, 96, 96, 1], numClasses: 14 })).toBe(vit + cnn);
    expect(vit + cnn).toBe(92_784_046);
    // 2D at MONAI's defaults, 1 x 96^2, 14 classes.
    expect(unetrParameterCount({ inputShape: [96, 96, 1], numClasses: 14 })).toBe(87_146_638);
  });
});

describe('unetr arguments', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects bad options naming the function, option and valid values, leaving no weights behind', () => {
    const before = tf.memory().numTensors;
    expect(() => unetr({ inputShape: [40, 48, 1], numClasses: 2 })).toThrow(
      "unetr: options.inputShape is [40, 48, 1]: spatial size 40 (axis 0) must be a multiple of the patch size 16; nearest valid: 32 or 48, or pad with padToMultiple(x, 16) from 'unet-kit/data'.",
    );
    expect(() => unetr({ ...tiny(2), numHeads: 5 })).toThrow('unetr: options.numHeads is 5; it must divide options.hiddenSize 12 (each head gets hiddenSize / numHeads channels).');
    expect(() => unetr({ ...tiny(2), featureSize: 0 })).toThrow('unetr: options.featureSize is 0; expected an integer >= 1.');
    expect(() => unetr({ ...tiny(2), spatialDims: 3 })).toThrow('unetr: options.spatialDims is 3; expected 2 for inputShape [16, 16, 1].');
    expect(() => unetr({ ...tiny(2), filters: [1] } as never)).toThrow(/^unetr: options.filters is not a known option; expected one of inputShape, numClasses/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
