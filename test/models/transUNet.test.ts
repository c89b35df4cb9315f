import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { transformerBlockParameterCount } from '../../src/blocks/transformerBlock.js';
import { resNetV2ParameterCount } from '../../src/models/resNetV2.js';
import { transUNet, transUNetParameterCount, type TransUNetOptions } from '../../src/models/transUNet.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFileRoundTripIdentical, expectFinite, expectHalfBuiltCleanedUp, expectUniqueNames, fitLosses, fixedTarget, predictArrays, randomInput } from './harness.js';

/** A tiny TransUNet: 32x32 input (a 2x2 token grid), one unit per ResNet stage of width 4, 16-wide tokens. */
function tiny(extra: Partial<TransUNetOptions> = {}): TransUNetOptions {
  return {
    inputShape: [32, 32, 1],
    numClasses: 2,
    resnetDepths: [1, 1, 1],
    resnetWidth: 4,
    hiddenSize: 16,
    mlpDim: 32,
    numHeads: 2,
    numLayers: 2,
    headChannels: 8,
    decoderFilters: [8, 8, 4, 4],
    dropout: 0,
    seed: 3,
    ...extra,
  };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-transunet-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

describeEachBackend('transUNet', (backend) => {
  it('has the right output shape and the reference-like layer names; forward gives probabilities; no leaks', async () => {
    const x = randomInput([2, 32, 32, 1]);
    await expectNoLeak(async () => {
      const model = transUNet(tiny());
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 32, 32, 2]]);
      const names = expectUniqueNames(model);
      expect(names).toEqual(
        expect.arrayContaining([
          'input', 'resnet_root_conv', 'resnet_root_norm', 'resnet_pool', 'resnet_block1_unit1_proj_conv', 'resnet_block3_unit1_conv3_norm',
          'vit_patch_embed', 'vit_pos_embed', 'vit_block2_attn', 'vit_norm', 'vit_tokens', 'dec_conv_more_conv', 'dec1_up', 'dec1_concat',
          'dec3_concat', 'dec4_conv2_act', 'head_conv', 'head_act',
        ]),
      );
      expect(names).not.toContain('dec4_concat');
      expect(model.getLayer('resnet_block2_unit1_conv2_conv').getClassName()).toBe('WeightStandardizedConv');
      expect(model.getLayer('resnet_block1_unit1_proj_norm').getConfig()).toMatchObject({ groups: 16 });
      // The ViT works on the 1/16 map of 16 x width channels; the skips are the 1/8, 1/4, 1/2 maps.
      expect(model.getLayer('vit_patch_embed').inboundNodes[0]!.inputTensors[0]!.shape).toEqual([null, 2, 2, 64]);
      expect(model.getLayer('dec1_concat').outputShape).toEqual([null, 4, 4, 8 + 32]);
      expect(model.getLayer('dec3_concat').outputShape).toEqual([null, 16, 16, 8 + 4]);
      const [probs] = await predictArrays(model, x);
      expect(probs!.length).toBe(2 * 32 * 32 * 2);
      expectFinite(probs!);
      const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
      expectClose(sums, sums.map(() => 1), 1e-5);
      model.dispose();
    });
    x.dispose();
  });

  // 16 x 16 (one token) keeps the cpu backend's step short; the forward test covers a 2 x 2 grid.
  it('a few training steps lower the loss', async () => {
    const x = randomInput([2, 16, 16, 1], 3);
    const y = fixedTarget(x, 2);
    await expectNoLeak(async () => {
      const model = transUNet(tiny({ inputShape: [16, 16, 1] }));
      const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
      expectFinite(losses);
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      model.dispose();
    });
    tf.dispose([x, y]);
  });

  it('saves with saveModel and loads with loadModel, giving identical weights and outputs and leaving no tensors', async () => {
    const x = randomInput([1, 32, 32, 1], 5);
    await expectFileRoundTripIdentical(() => transUNet(tiny({ numSkips: 2 })), x, join(scratch, `model-${backend}`));
    x.dispose();
  });

  it('a build failing half-way (a layer creating its weights) leaves no tensors or variables', () => {
    expectHalfBuiltCleanedUp(() => transUNet(tiny()));
  });
});

describe('transUNet parameter count', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the closed form equals countParams() of built models across options', () => {
    const configs: TransUNetOptions[] = [
      tiny(),
      tiny({ inputShape: [48, 32, 3], numClasses: 4, resnetDepths: [2, 1, 2], numSkips: 0 }),
      tiny({ encoderNorm: 'batch', decoderNorm: { type: 'group', groups: 2 }, numSkips: 1 }),
      tiny({ encoderNorm: 'none', decoderNorm: 'none', resnetWidth: 2, numLayers: 1, numClasses: 1, weightStandardization: false }),
    ];
    for (const options of configs) {
      const model = transUNet(options);
      expect(transUNetParameterCount(options), JSON.stringify(options)).toBe(model.countParams());
      model.dispose();
    }
  });

  it('is 105,279,961 (105,277,081 trainable: the reference R50-ViT-B_16) on 224 x 224 x 3 with 9 classes, derived term by term', () => {
    // ResNet (group norm: 2 weights per channel): stem 7^2 * 3 * 64 + 2 * 64; unit (in a, bottleneck m,
    // out 4m) a m + 9 m^2 + 4 m^2 + 2 (2m + 4m), the first of each stage + 4 a m + 2 * 4m (projection).
    const unit = (a: number, m: number, projection: boolean) => a * m + 13 * m * m + 12 * m + (projection ? 4 * a * m + 8 * m : 0);
    const resnet = 9408 + 128 + unit(64, 64, true) + 2 * unit(256, 64, false) + unit(256, 128, true) + 3 * unit(512, 128, false) + unit(512, 256, true) + 8 * unit(1024, 256, false);
    expect(resnet).toBe(11_894_848);
    expect(resNetV2ParameterCount(3, 64, [3, 4, 9], 2)).toBe(resnet);
    // ViT: 1x1 patch embedding 1024 -> 768, 14^2 positions, 12 blocks with q/k/v biases, final norm.
    const block = 4 * 768 ** 2 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768;
    expect(block).toBe(transformerBlockParameterCount(768, 3072, true));
    const vit = 1024 * 768 + 768 + 196 * 768 + 12 * block + 2 * 768;
    expect(vit).toBe(85_993_728);
    // Decoder: conv_more 3x3 768 -> 512, blocks (512 + 512 -> 256), (256 + 256 -> 128), (128 + 64 -> 64), (64 -> 16),
    // two bias-free 3x3 convs each, batch norm 2 trainable + 2 moving statistics per channel; head 3x3 16 -> 9 with bias.
    const trainableDecoder =
      9 * 768 * 512 + 2 * 512 + (9 * 1024 * 256 + 9 * 256 * 256 + 4 * 256) + (9 * 512 * 128 + 9 * 128 * 128 + 4 * 128) +
      (9 * 192 * 64 + 9 * 64 * 64 + 4 * 64) + (9 * 64 * 16 + 9 * 16 * 16 + 4 * 16) + (9 * 16 * 9 + 9);
    expect(trainableDecoder).toBe(7_388_505);
    const movingStatistics = 2 * (512 + 2 * (256 + 128 + 64 + 16));
    expect(movingStatistics).toBe(2_880);
    expect(resnet + vit + trainableDecoder).toBe(105_277_081);
    expect(transUNetParameterCount({ inputShape: [224, 224, 3], numClasses: 9 })).toBe(105_277_081 + movingStatistics);
  });

  // About 11 s on a loaded 2-core machine (cpu backend); built once here only.
  it('builds at the defaults with exactly that count (105,277,081 trainable)', { timeout: 120_000 }, () => {
    const model = transUNet({ inputShape: [224, 224, 3], numClasses: 9 });
    const size = (w: tfl.LayerVariable) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    expect(model.countParams()).toBe(105_279_961);
    expect(model.trainableWeights.reduce((a, w) => a + size(w), 0)).toBe(105_277_081);
    expect(model.getLayer('vit_pos_embed').getWeights()[0]!.shape).toEqual([196, 768]);
    model.dispose();
  });

  it('docs/parameter-counts.md and the README state these figures', () => {
    const read = (file: string) => readFileSync(join(import.meta.dirname, '..', '..', file), 'utf8');
    const doc = read('docs/parameter-counts.md');
    for (const figure of ['**105,279,961**', '**105,277,081**', '**11,894,848**', '**85,993,728**', '**7,388,505**']) expect(doc).toContain(figure);
    expect(read('README.md')).toContain('| `transUNet`, R50-ViT-B_16 (Chen et al. 2021) | 105,279,961 | 105,277,081 |');
  });
});

describe('transUNet arguments', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects bad options naming the function, option and valid values, leaving no tensors or variables behind', () => {
    const before = { tensors: tf.memory().numTensors, variables: variableCount() };
    expect(() => transUNet({ inputShape: [224, 200, 3], numClasses: 9 })).toThrow(
      "transUNet: options.inputShape is [224, 200, 3]: spatial size 200 (axis 1) must be a multiple of 16 (the ResNet's stride, where the ViT works); nearest valid: 192 or 208, or pad with padToMultiple(x, 16) from 'unet-kit/data'.",
    );
    expect(() => transUNet({ inputShape: [32, 32, 32, 1], numClasses: 2 })).toThrow('transUNet: options.inputShape has 4 axes; TransUNet is 2D: expected [H, W, C].');
    expect(() => transUNet(tiny({ numHeads: 3 }))).toThrow('transUNet: options.numHeads is 3; it must divide options.hiddenSize 16 (each head gets hiddenSize / numHeads channels).');
    expect(() => transUNet(tiny({ resnetDepths: [3, 4, 6, 3] }))).toThrow('transUNet: options.resnetDepths is [3, 4, 6, 3]; expected an array of 3 numbers, each an integer >= 1.');
    expect(() => transUNet(tiny({ decoderFilters: [8, 4] }))).toThrow('transUNet: options.decoderFilters is [8, 4]; expected an array of 4 numbers, each an integer >= 1.');
    expect(() => transUNet(tiny({ numSkips: 4 }))).toThrow('transUNet: options.numSkips is 4; expected an integer >= 0 and <= 3.');
    expect(() => transUNet(tiny({ attentionDropout: 1 }))).toThrow('transUNet: options.attentionDropout is 1; expected a finite number >= 0 and < 1.');
    expect(() => transUNet(tiny({ weightStandardization: 1 as never }))).toThrow('transUNet: options.weightStandardization is 1; expected true or false.');
    expect(() => transUNet(tiny({ encoderNorm: 'bn' as never }))).toThrow(/^transUNet: options.encoderNorm is 'bn'; expected one of 'batch'/);
    expect(() => transUNet({ ...tiny(), norm: 'batch' } as never)).toThrow(/^transUNet: options.norm is not a known option; expected one of inputShape, numClasses/);
    expect({ tensors: tf.memory().numTensors, variables: variableCount() }).toEqual(before);
  });
});
