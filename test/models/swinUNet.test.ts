import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { swinBlockParameterCount } from '../../src/blocks/swinBlock.js';
import { swinUNet, swinUNetParameterCount, type SwinUNetOptions } from '../../src/models/swinUNet.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFileRoundTripIdentical, expectFinite, expectHalfBuiltCleanedUp, expectUniqueNames, fitLosses, fixedTarget, predictArrays, randomInput } from './harness.js';

/** A tiny Swin-Unet: 32x32 input, patch 4, C = 4, window 2 (stage grids 8, 4, 2, 1: the first two shifted). */
function tiny(extra: Partial<SwinUNetOptions> = {}): SwinUNetOptions {
  return { inputShape: [32, 32, 1], numClasses: 2, embedDim: 4, numHeads: [1, 1, 2, 2], windowSize: 2, seed: 3, ...extra };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-swinunet-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

describeEachBackend('swinUNet', (backend) => {
  it('has the right output shape and the reference-like layer names; forward gives probabilities; no leaks', async () => {
    const x = randomInput([2, 32, 32, 1]);
    await expectNoLeak(async () => {
      const model = swinUNet(tiny());
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 32, 32, 2]]);
      const names = expectUniqueNames(model);
      expect(names).toEqual(
        expect.arrayContaining([
          'input', 'patch_embed', 'patch_norm', 'enc1_block1_attn', 'enc1_block2_attn', 'enc3_merge', 'bottleneck_block2_mlp2', 'bottleneck_norm',
          'bottleneck_expand', 'dec3_concat', 'dec3_linear', 'dec3_expand', 'dec1_block2_add2', 'dec_norm', 'final_expand', 'head_conv', 'head_act',
        ]),
      );
      expect(names).not.toContain('dec1_expand');
      expect(model.getLayer('enc1_block2_attn').getConfig()).toMatchObject({ windowSize: 2, shiftSize: 1 });
      expect(model.getLayer('enc1_block1_attn').getConfig()).toMatchObject({ shiftSize: 0 });
      // Skips of the same size as the expanded decoder features: [N, 8, 8, 4 + 4] at the top.
      expect(model.getLayer('dec1_concat').outputShape).toEqual([null, 8, 8, 8]);
      expect(model.getLayer('dec3_concat').outputShape).toEqual([null, 2, 2, 32]);
      expect(model.getLayer('final_expand').outputShape).toEqual([null, 32, 32, 4]);
      const [probs] = await predictArrays(model, x);
      expect(probs!.length).toBe(2 * 32 * 32 * 2);
      expectFinite(probs!);
      const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
      expectClose(sums, sums.map(() => 1), 1e-5);
      model.dispose();
    });
    x.dispose();
  });

  // Three stages on 16 x 16 with patch 2 (grids 8, 4, 2; shifted windows in the first two) keep the step short.
  it('a few training steps lower the loss', async () => {
    const x = randomInput([2, 16, 16, 1], 3);
    const y = fixedTarget(x, 2);
    await expectNoLeak(async () => {
      const model = swinUNet(tiny({ inputShape: [16, 16, 1], patchSize: 2, depths: [2, 2, 1], numHeads: [1, 1, 2] }));
      const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
      expectFinite(losses);
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      model.dispose();
    });
    tf.dispose([x, y]);
  });

  it('saves with saveModel and loads with loadModel, giving identical weights and outputs and leaving no tensors', async () => {
    const x = randomInput([1, 32, 32, 1], 5);
    await expectFileRoundTripIdentical(() => swinUNet(tiny({ depths: [1, 2, 1], numHeads: [1, 2, 2], patchSize: 2 })), x, join(scratch, `model-${backend}`));
    x.dispose();
  });

  it('a build failing half-way (a layer creating its weights) leaves no tensors or variables', () => {
    expectHalfBuiltCleanedUp(() => swinUNet(tiny()));
  });
});

describe('swinUNet parameter count', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the closed form equals countParams() of built models across options', () => {
    const configs: SwinUNetOptions[] = [
      tiny(),
      tiny({ inputShape: [64, 32, 3], numClasses: 4, depths: [1, 2, 1, 1], windowSize: 4, mlpRatio: 2 }),
      tiny({ depths: [2, 1], numHeads: [2, 4], patchSize: 2, patchNorm: false, numClasses: 1 }),
      tiny({ inputShape: [24, 24, 2], depths: [1, 1, 1], numHeads: [1, 1, 1], windowSize: 3, patchSize: 2 }),
    ];
    for (const options of configs) {
      const model = swinUNet(options);
      expect(swinUNetParameterCount(options), JSON.stringify(options)).toBe(model.countParams());
      model.dispose();
    }
  });

  it('is 27,168,900 on 224 x 224 x 3 with 9 classes (the reference Swin-T), derived term by term', () => {
    // Swin block at width D with h heads, window 7 (13^2 relative positions), MLP ratio 4.
    const block = (D: number, h: number) => 12 * D * D + 13 * D + 169 * h;
    expect(block(96, 3)).toBe(swinBlockParameterCount(96, 3, 7, 2));
    const [D0, D1, D2, D3] = [96, 192, 384, 768];
    const embedding = 4 * 4 * 3 * 96 + 96 + 2 * 96; // 4x4 conv with bias, layer norm
    const merge = (D: number) => 2 * 4 * D + 4 * D * 2 * D; // layer norm over 4D, bias-free linear 4D -> 2D
    const encoder = embedding + 2 * (block(D0, 3) + block(D1, 6) + block(D2, 12) + block(D3, 24)) + merge(D0) + merge(D1) + merge(D2) + 2 * D3;
    expect(encoder).toBe(20_413_386);
    const expand = (D: number) => D * 2 * D + 2 * (D / 2); // bias-free linear D -> 2D, layer norm over D / 2
    const concatLinear = (D: number) => 2 * D * D + D;
    const decoder =
      expand(D3) + (concatLinear(D2) + 2 * block(D2, 12) + expand(D2)) + (concatLinear(D1) + 2 * block(D1, 6) + expand(D1)) +
      (concatLinear(D0) + 2 * block(D0, 3)) + 2 * D0 + (96 * 16 * 96 + 2 * 96) + 96 * 9; // norm, final x4 expand, bias-free head
    expect(decoder).toBe(6_755_514);
    expect(swinUNetParameterCount({ inputShape: [224, 224, 3], numClasses: 9 })).toBe(encoder + decoder);
    expect(encoder + decoder).toBe(27_168_900);
  });

  // About 5 s on a loaded 2-core machine (cpu backend).
  it('builds at the defaults with exactly that count, every weight trainable', { timeout: 120_000 }, () => {
    const model = swinUNet({ inputShape: [224, 224, 3], numClasses: 9 });
    expect(model.countParams()).toBe(27_168_900);
    expect(model.nonTrainableWeights).toEqual([]);
    expect(model.getLayer('bottleneck_block2_attn').getConfig()).toMatchObject({ windowSize: 7, shiftSize: 3 });
    model.dispose();
  });

  it('docs/parameter-counts.md and the README state these figures', () => {
    const read = (file: string) => readFileSync(join(import.meta.dirname, '..', '..', file), 'utf8');
    const doc = read('docs/parameter-counts.md');
    for (const figure of ['**27,168,900**', '**20,413,386**', '**6,755,514**']) expect(doc).toContain(figure);
    expect(read('README.md')).toContain('| `swinUNet`, Swin-T (Cao et al. 2021) | 27,168,900 | 27,168,900 |');
  });
});

describe('swinUNet arguments', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects bad options naming the function, option and valid values, leaving no tensors or variables behind', () => {
    const before = { tensors: tf.memory().numTensors, variables: variableCount() };
    expect(() => swinUNet({ inputShape: [200, 224, 3], numClasses: 9 })).toThrow(
      'swinUNet: options.inputShape is [200, 224, 3]: spatial size 200 (axis 0) gives stage 1 a grid of 50 (size / (patchSize 4 x 2^0)), which must be a whole multiple of windowSize 7 or at most 7; sizes that fit: 224, 448, 672, ... (a multiple of patchSize x 2^(stages - 1) x windowSize = 224 always does).',
    );
    expect(() => swinUNet(tiny({ inputShape: [32, 40, 1] }))).toThrow(/^swinUNet: options.inputShape is \[32, 40, 1\]: spatial size 40 \(axis 1\) gives stage 2 a grid of 5 /);
    expect(() => swinUNet(tiny({ inputShape: [24, 56, 1], windowSize: 7 }))).toThrow(/^swinUNet: options.inputShape is \[24, 56, 1\]: spatial size 24 \(axis 0\) gives stage 3 a grid of 1.5 .*sizes that fit: 224, 448, 672, /);
    expect(() => swinUNet(tiny({ numHeads: [3, 6, 12, 24] }))).toThrow('swinUNet: options.numHeads is [3, 6, 12, 24]: stage 1 has 4 channels (embedDim 4 x 2^0), which its 3 heads must divide.');
    expect(() => swinUNet(tiny({ numHeads: [1, 1] }))).toThrow('swinUNet: options.numHeads is [1, 1]; expected an array of 4 numbers, each an integer >= 1.');
    expect(() => swinUNet(tiny({ depths: [2] }))).toThrow('swinUNet: options.depths is [2]; expected an array of 2 or more stage depths.');
    expect(() => swinUNet(tiny({ inputShape: [32, 32, 32, 1] }))).toThrow('swinUNet: options.inputShape is [32, 32, 32, 1]; expected [H, W, C] (channels last; Swin-Unet is 2D).');
    expect(() => swinUNet(tiny({ patchSize: 1 }))).toThrow('swinUNet: options.patchSize is 1; expected an integer >= 2.');
    expect(() => swinUNet(tiny({ dropout: 1 }))).toThrow('swinUNet: options.dropout is 1; expected a finite number >= 0 and < 1.');
    expect(() => swinUNet({ ...tiny(), featureSize: 48 } as never)).toThrow(/^swinUNet: options.featureSize is not a known option; expected one of inputShape, numClasses/);
    expect({ tensors: tf.memory().numTensors, variables: variableCount() }).toEqual(before);
  });
});
