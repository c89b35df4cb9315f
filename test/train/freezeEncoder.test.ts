import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { resUNet, unet } from '../../src/models/index.js';
import { freezeEncoder } from '../../src/train/freezeEncoder.js';
import { weightValues } from './fixtures.js';

/** A 2-level U-Net: enc1 (8x8) -> pool -> enc2 (4x4) -> pool -> bottleneck (2x2) -> up -> dec2 -> up -> dec1 -> head. */
function tinyUnet(): tfl.LayersModel {
  const conv = (name: string, filters: number, seed: number) =>
    tfl.layers.conv2d({ name, filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
  const x = tfl.input({ shape: [8, 8, 1] });
  const e1 = conv('enc1_conv', 2, 1).apply(x) as tfl.SymbolicTensor;
  const p1 = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(e1) as tfl.SymbolicTensor;
  const e2 = conv('enc2_conv', 2, 2).apply(p1) as tfl.SymbolicTensor;
  const p2 = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(e2) as tfl.SymbolicTensor;
  const b = conv('bottleneck_conv', 2, 3).apply(p2) as tfl.SymbolicTensor;
  const u2 = tfl.layers.conv2dTranspose({ name: 'up2', filters: 2, kernelSize: 2, strides: 2 }).apply(b) as tfl.SymbolicTensor;
  const d2 = conv('dec2_conv', 2, 4).apply(tfl.layers.concatenate().apply([u2, e2]) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const u1 = tfl.layers.upSampling2d({ name: 'up1', size: [2, 2] }).apply(d2) as tfl.SymbolicTensor;
  const d1 = conv('dec1_conv', 2, 5).apply(tfl.layers.concatenate().apply([u1, e1]) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const head = tfl.layers.conv2d({ name: 'head', filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(d1) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: head });
}

describeEachBackend('freezeEncoder', () => {
  it('freezes levels found from the graph: 1, 2 and all (with the bottleneck)', () => {
    const a = tinyUnet();
    expect(freezeEncoder(a, 1)).toEqual(['enc1_conv']);
    expect(a.getLayer('enc2_conv').trainable).toBe(true);
    const b = tinyUnet();
    expect(freezeEncoder(b, 2).sort()).toEqual(['enc1_conv', 'enc2_conv']);
    const c = tinyUnet();
    expect(freezeEncoder(c, 'all').sort()).toEqual(['bottleneck_conv', 'enc1_conv', 'enc2_conv']);
    for (const name of ['up2', 'dec2_conv', 'dec1_conv', 'head']) expect(c.getLayer(name).trainable).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('treats strided convs as down-sampling and keeps frozen weights fixed during fit', async () => {
    const x = tfl.input({ shape: [8, 8, 1] });
    const e1 = tfl.layers.conv2d({ name: 'stem', filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(x) as tfl.SymbolicTensor;
    const down = tfl.layers.conv2d({ name: 'down', filters: 2, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(e1) as tfl.SymbolicTensor;
    const up = tfl.layers.upSampling2d({ size: [2, 2] }).apply(down) as tfl.SymbolicTensor;
    const out = tfl.layers.conv2d({ name: 'out', filters: 1, kernelSize: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(tfl.layers.concatenate().apply([up, e1]) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    // level 1 = everything feeding the strided conv; the strided conv opens level 2 and stays trainable.
    expect(freezeEncoder(model, 1)).toEqual(['stem']);
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const before = weightValues(model);
    const xs = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1);
    const ys = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 2);
    await model.fit(xs, ys, { epochs: 2, verbose: 0 });
    const after = weightValues(model);
    const names = model.weights.map((w) => w.originalName);
    names.forEach((name, i) => {
      if (name.startsWith('stem')) expect(after[i], name).toEqual(before[i]);
      else expect(after[i], name).not.toEqual(before[i]);
    });
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('works on the library factories: unet (pooling) and resUNet (strided convs)', () => {
    const plain = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8, 16], seed: 0 });
    expect(freezeEncoder(plain, 1).sort()).toEqual(['enc0_conv1', 'enc0_conv2', 'enc0_norm1', 'enc0_norm2']);
    const residual = resUNet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8, 16], seed: 0 });
    const frozen = freezeEncoder(residual, 2);
    // Everything computed at full and half resolution: enc0, enc1 (with projections) and, the net
    // being pre-activation, the bottleneck's first norm (it runs at half resolution, before the
    // bottleneck's strided conv); no bottleneck conv.
    expect(frozen).toContain('enc1_conv2');
    expect(frozen).toContain('enc1_proj');
    expect(frozen.filter((n) => !n.startsWith('enc0') && !n.startsWith('enc1'))).toEqual(['bottleneck_norm1']);
    expect(residual.getLayer('bottleneck_conv1').trainable).toBe(true);
    plain.dispose();
    residual.dispose();
  });

  it('rejects bad levels and models without an encoder', () => {
    const m = tinyUnet();
    expect(() => freezeEncoder(m, 3)).toThrow(/freezeEncoder: levels is 3; expected an integer from 1 to 2 \(this model's down-sampling levels\) or 'all'/);
    expect(() => freezeEncoder(m, 0)).toThrow(/levels is 0/);
    m.dispose();
    const flat = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
    expect(() => freezeEncoder(flat, 1)).toThrow(/has no down-sampling layer/);
    expect(() => freezeEncoder({} as never, 1)).toThrow(/model is \{\}; expected a tf.LayersModel/);
    flat.dispose();
  });
});
