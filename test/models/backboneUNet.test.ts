import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { backboneUNet, BACKBONES, type BackboneUNetOptions } from '../../src/models/backboneUNet.js';
import { activateTestBackend, describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite, expectUniqueNames, fitLosses, predictArrays } from './harness.js';
import { kerasEfficientNetB0, kerasMobileNetV2, kerasResNet50 } from './kerasBackbones.js';

const MOBILE: BackboneUNetOptions = { backbone: 'mobilenetV2', numClasses: 2, decoderFilters: [4, 4, 8, 8, 8], seed: 3 };

/** RGB pixels in [0, 255], as the backbones' preprocessing expects. */
function pixels(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, 0, 255, 'float32', seed);
}

/** Two classes: foreground where the red channel is above mid-grey. */
function target(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const red = tf.slice(x, [0, 0, 0, 0], [...x.shape.slice(0, 3), 1]);
    const fg = tf.cast(tf.greater(red, 127.5), 'float32');
    return tf.concat([tf.sub(1, fg), fg], -1);
  });
}

async function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'unet-kit-backbone-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describeEachBackend('backboneUNet on a Keras MobileNetV2 (alpha 0.35)', () => {
  it('has the Keras skips, the decoder levels and the input size; forward gives probabilities; no leaks', async () => {
    const x = pixels([2, 32, 32, 3], 1);
    await expectNoLeak(async () => {
      const encoder = kerasMobileNetV2([32, 32, 3]);
      const model = backboneUNet(encoder, MOBILE);
      expect(model.outputs.map((o) => o.shape)).toEqual([[null, 32, 32, 2]]);
      const names = expectUniqueNames(model);
      expect(names).toEqual(expect.arrayContaining(['input', 'preprocess', 'Conv1', ...BACKBONES.mobilenetV2.skips, 'dec3_concat', 'dec0_up', 'dec0_conv2', 'head_act']));
      // The top of the backbone (after block_16_project) is not used.
      expect(names).not.toContain('out_relu');
      expect(model.getLayer('dec1_concat').outputShape).toEqual([null, 16, 16, 8 * 6 + 4]); // block_1 expand: 8 channels x 6
      expect(names).not.toContain('dec0_concat');
      const [probs] = await predictArrays(model, x);
      expectFinite(probs!);
      const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
      expectClose(sums, sums.map(() => 1), 1e-5);
      model.dispose();
      encoder.dispose();
    });
    x.dispose();
  });

  it('a few training steps lower the loss, training the encoder too', async () => {
    const x = pixels([2, 32, 32, 3], 2);
    const y = target(x);
    await expectNoLeak(async () => {
      const encoder = kerasMobileNetV2([32, 32, 3]);
      const model = backboneUNet(encoder, MOBILE);
      const before = Array.from(encoder.getLayer('Conv1').getWeights()[0]!.dataSync());
      const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
      expectFinite(losses);
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      // The shared encoder layer was updated.
      expect(Array.from(encoder.getLayer('Conv1').getWeights()[0]!.dataSync())).not.toEqual(before);
      model.dispose();
      encoder.dispose();
    });
    tf.dispose([x, y]);
  });

  it('saves and loads (src/io) with identical outputs; an encoder saved and reloaded gives the same U-Net', async () => {
    const x = pixels([1, 32, 32, 3], 3);
    await withDir(async (dir) => {
      await expectNoLeak(async () => {
        const encoder = kerasMobileNetV2([32, 32, 3]);
        const model = backboneUNet(encoder, MOBILE);
        const expected = await predictArrays(model, x);
        await saveModel(model, join(dir, 'unet'));
        const loaded = await loadModel(join(dir, 'unet'));
        expect(loaded.countParams()).toBe(model.countParams());
        expect(await predictArrays(loaded, x)).toEqual(expected);
        await saveModel(encoder, join(dir, 'encoder'));
        const reloaded = await loadModel(join(dir, 'encoder'));
        const again = backboneUNet(reloaded, MOBILE);
        expect(await predictArrays(again, x)).toEqual(expected);
        for (const m of [model, encoder, loaded, again, reloaded]) m.dispose();
      });
    });
    x.dispose();
  });
});

/** Closed form of the decoder: transposed 2x2 up-conv (+ bias), two 3x3 convs with batch norm, 1x1 head. */
function decoderParams(bottleneck: number, skips: number[], filters: number[], classes: number): number {
  let total = 0;
  let inChannels = bottleneck;
  for (let j = filters.length - 1; j >= 0; j--) {
    const f = filters[j]!;
    total += 4 * inChannels * f + f + 9 * (f + skips[j]!) * f + 4 * f + 9 * f * f + 4 * f;
    inChannels = f;
  }
  return total + filters[0]! * classes + classes;
}

describe('backboneUNet structure, parameters, freezing and errors', () => {
  beforeAll(() => activateTestBackend('cpu'));

  it('ResNet50 (widths / 16): Keras skips at 1/2..1/32, caffe preprocessing, encoder + closed-form decoder parameters', () => {
    const encoder = kerasResNet50([64, 64, 3]);
    const model = backboneUNet(encoder, { backbone: 'resnet50', numClasses: 3, decoderFilters: [2, 4, 4, 8, 8] });
    const sizes = BACKBONES.resnet50.skips.map((name) => model.getLayer(name).outputShape);
    expect(sizes).toEqual([
      [null, 32, 32, 4],
      [null, 16, 16, 16],
      [null, 8, 8, 32],
      [null, 4, 4, 64],
      [null, 2, 2, 128],
    ]);
    expect((model.getLayer('preprocess') as unknown as { mode: string }).mode).toBe('caffe');
    // Every ResNet50 layer feeds conv5_block3_out, so the whole encoder is in the U-Net.
    expect(model.countParams()).toBe(encoder.countParams() + decoderParams(128, [0, 4, 16, 32, 64], [2, 4, 4, 8, 8], 3));
    expect(model.getLayer('conv3_block4_out')).toBe(encoder.getLayer('conv3_block4_out'));
    model.dispose();
    encoder.dispose();
  });

  it("the test encoders are Keras' own: MobileNetV2 (alpha 1) and ResNet50 without top have Keras' 2,257,984 and 23,587,712 parameters and 154 and 175 layers", () => {
    // Counts do not depend on the input size, so a 32x32 input keeps the build small.
    const mobile = kerasMobileNetV2([32, 32, 3], 1);
    expect(mobile.countParams()).toBe(2_257_984);
    expect(mobile.layers.length).toBe(154);
    mobile.dispose();
    const resnet = kerasResNet50([32, 32, 3], 1);
    expect(resnet.countParams()).toBe(23_587_712);
    expect(resnet.layers.length).toBe(175);
    resnet.dispose();
  });

  it('EfficientNetB0: the default skips are at 1/2..1/32, no preprocessing layer (Keras normalises inside the model)', () => {
    const encoder = kerasEfficientNetB0([32, 32, 3]);
    // Keras' 4,049,571 without top, less its Normalization layer's mean, variance and count (7).
    expect(encoder.countParams()).toBe(4_049_564);
    const model = backboneUNet(encoder, { backbone: 'efficientnetB0', numClasses: 2, decoderFilters: [4, 4, 8, 8, 8] });
    expect(BACKBONES.efficientnetB0.skips.map((name) => model.getLayer(name).outputShape)).toEqual([
      [null, 16, 16, 96],
      [null, 8, 8, 144],
      [null, 4, 4, 240],
      [null, 2, 2, 672],
      [null, 1, 1, 1280],
    ]);
    expect(model.layers.map((l) => l.name)).not.toContain('preprocess');
    expect(model.outputs[0]!.shape).toEqual([null, 32, 32, 2]);
    model.dispose();
    encoder.dispose();
  });

  it('works on 3D encoders and Sequential encoders; a skip at the input size needs no extra level', async () => {
    const input = tfl.input({ shape: [8, 8, 8, 1] });
    let x = input as tfl.SymbolicTensor;
    for (const [name, strides] of [['s0', 1], ['s1', 2], ['s2', 2]] as const) {
      x = tfl.layers.conv3d({ filters: 2, kernelSize: 3, strides, padding: 'same', name }).apply(x) as tfl.SymbolicTensor;
    }
    const volume = tfl.model({ inputs: input, outputs: x });
    const model = backboneUNet(volume, { numClasses: 2, skips: ['s0', 's1', 's2'], decoderFilters: [2, 2], norm: 'instance' });
    expect(model.outputs[0]!.shape).toEqual([null, 8, 8, 8, 2]);
    expect(model.getLayer('dec0_concat').outputShape).toEqual([null, 8, 8, 8, 4]);
    const ones = tf.ones([1, 8, 8, 8, 1]);
    const [probs] = await predictArrays(model, ones);
    expectFinite(probs!);
    ones.dispose();
    model.dispose();
    volume.dispose();
    const stack = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [16, 16, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'a' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'b' }),
      ],
    });
    const fromStack = backboneUNet(stack, { numClasses: 1, skips: ['a', 'b'], decoderFilters: [2, 2] });
    expect(fromStack.outputs[0]!.shape).toEqual([null, 16, 16, 1]);
    expect(fromStack.getLayer('b')).toBe(stack.getLayer('b'));
    fromStack.dispose();
    stack.dispose();
  });

  it('freezes the encoder up to a skip, or all of it; the decoder stays trainable', () => {
    const encoder = kerasMobileNetV2([32, 32, 3]);
    const model = backboneUNet(encoder, { ...MOBILE, freezeBlocks: 2 });
    expect(model.getLayer('Conv1').trainable).toBe(false);
    expect(model.getLayer('block_3_expand').trainable).toBe(false);
    expect(model.getLayer('block_3_expand_BN').trainable).toBe(false);
    expect(model.getLayer('block_3_depthwise').trainable).toBe(true);
    expect(model.getLayer('dec0_conv1').trainable).toBe(true);
    model.dispose();
    const all = backboneUNet(encoder, { ...MOBILE, freezeBlocks: 'all' });
    const trainable = new Set(all.trainableWeights.map((w) => w.originalName.split('/')[0]));
    expect([...trainable].every((n) => n!.startsWith('dec') || n!.startsWith('head'))).toBe(true);
    all.dispose();
    encoder.dispose();
  });

  it('frees every weight once the U-Net and its encoder are disposed, in either order', () => {
    const before = tf.memory().numTensors;
    const e1 = kerasMobileNetV2([32, 32, 3]);
    const m1 = backboneUNet(e1, MOBILE);
    m1.dispose();
    expect(e1.getLayer('Conv1').getWeights().length).toBe(1); // still usable
    e1.dispose();
    const e2 = kerasMobileNetV2([32, 32, 3]);
    const m2 = backboneUNet(e2, MOBILE);
    e2.dispose();
    m2.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a missing skip layer with a did-you-mean, incompatible skip sizes, and bad options; leaves nothing behind', () => {
    const before = tf.memory().numTensors;
    const encoder = kerasMobileNetV2([32, 32, 3]);
    const withEncoder = tf.memory().numTensors;
    const skips = [...BACKBONES.mobilenetV2.skips];
    expect(() => backboneUNet(encoder, { numClasses: 2, skips: ['block_1_expand_rel', ...skips.slice(1)] })).toThrow(/names layer 'block_1_expand_rel'.*Did you mean 'block_1_expand_relu'/);
    expect(() => backboneUNet(encoder, { numClasses: 2, skips: [skips[1]!, skips[0]!, ...skips.slice(2)] })).toThrow(/incompatible sizes: 'block_1_expand_relu' is \[16, 16\] after skip 'block_3_expand_relu' \[8, 8\]/);
    expect(() => backboneUNet(encoder, { numClasses: 2 })).toThrow(/options.skips is missing/);
    expect(() => backboneUNet(encoder, { backbone: 'mobilenet' as 'mobilenetV2', numClasses: 2 })).toThrow(/Did you mean 'mobilenetV2'/);
    expect(() => backboneUNet(encoder, { ...MOBILE, decoderFilters: [4, 8] })).toThrow(/decoderFilters.*an array of 5/);
    expect(() => backboneUNet(encoder, { ...MOBILE, freezeBlocks: 6 })).toThrow(/freezeBlocks.*0 to 5/);
    expect(() => backboneUNet(encoder, { ...MOBILE, preprocessing: 'caffe ' as 'caffe' })).toThrow(UnetKitError);
    expect(() => backboneUNet({} as tfl.LayersModel, MOBILE)).toThrow(/backboneUNet: encoder/);
    expect(tf.memory().numTensors, 'a rejected call allocates nothing').toBe(withEncoder);
    const anySize = encoderOfAnySize();
    expect(() => backboneUNet(anySize, { numClasses: 2, skips: ['a', 'b'] })).toThrow(/known input size/);
    anySize.dispose();
    // A failure inside the build (a decoder name the encoder already uses) frees the decoder and gives back the encoder.
    const clash = renamedEncoder();
    expect(() => backboneUNet(clash, { numClasses: 2, skips: ['c1', 'dec0_up', 'c3'], decoderFilters: [2, 2, 2] })).toThrow(/layer named 'dec0_up'/);
    clash.dispose();
    encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** A small encoder with any input size. */
function encoderOfAnySize(): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3] });
  const y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'a' }).apply(input) as tfl.SymbolicTensor;
  const z = tfl.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'b' }).apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: z });
}

/** Three stride-2 convs, the second named like a decoder layer. */
function renamedEncoder(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 1] });
  let x = input as tfl.SymbolicTensor;
  for (const name of ['c1', 'dec0_up', 'c3']) x = tfl.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}
