// PatchEmbedding, LearnedPositionEmbedding, PatchMerging and PatchExpanding: the token-grid layers
// of the transformer U-Nets, checked against hand-computed values and float64 references.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { patchEmbedding } from '../../src/layers/patchEmbedding.js';
import { patchExpanding } from '../../src/layers/patchExpanding.js';
import { patchMerging } from '../../src/layers/patchMerging.js';
import { learnedPositionEmbedding } from '../../src/layers/positionEmbedding.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { matmulRef } from './attentionReference.js';
import { expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

function setRandomWeights(layer: tfl.layers.Layer, seed: number): Float32Array[] {
  const values = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, -0.5, 1));
  layer.setWeights(values);
  const arrays = values.map((t) => t.dataSync() as Float32Array);
  tf.dispose(values);
  return arrays;
}

function layerNormRef(row: number[], gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5): number[] {
  const mean = row.reduce((a, b) => a + b, 0) / row.length;
  const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
  return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!);
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describeEachBackend('PatchEmbedding', () => {
  it('embeds each patch by one kernel product (hand-computed 2D) and flattens tokens in row-major order', () => {
    // 4x4 map of 0..15, patch 2, one output channel, kernel of ones, bias 1: each patch's sum + 1.
    const layer = patchEmbedding({ patchSize: 2, embedDim: 1, flatten: true });
    const x = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]);
    layer.apply(x);
    const [k, b] = [tf.ones([2, 2, 1, 1]), tf.ones([1])];
    layer.setWeights([k, b]);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 4, 1]);
    expect(values(y)).toEqual([0 + 1 + 4 + 5 + 1, 2 + 3 + 6 + 7 + 1, 8 + 9 + 12 + 13 + 1, 10 + 11 + 14 + 15 + 1]);
    tf.dispose([x, k, b, y]);
  });

  it('3D: [N, 8, 8, 8, C] -> [N, 4, 4, 4, E], p^3 C E + E parameters, patch 2 equals a float64 reference', () => {
    const layer = patchEmbedding({ patchSize: 2, embedDim: 3 });
    const x = randomTensor([1, 8, 8, 8, 2], 1);
    layer.apply(x);
    expect(layer.countParams()).toBe(8 * 2 * 3 + 3);
    const [k, b] = setRandomWeights(layer, 2);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 4, 4, 4, 3]);
    // token (1, 2, 3): input patch rows 2-3, 4-5, 6-7.
    const xs = x.dataSync();
    const patch: number[] = [];
    for (let d = 0; d < 2; d++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let c = 0; c < 2; c++) patch.push(xs[(((2 + d) * 8 + 4 + h) * 8 + 6 + w) * 2 + c]!);
    const expected = matmulRef(patch, 1, 16, k!, 3, b);
    expectClose(values(y).slice(((1 * 4 + 2) * 4 + 3) * 3, ((1 * 4 + 2) * 4 + 3) * 3 + 3), expected, 1e-5);
    tf.dispose([x, y]);
  });

  it('has gradients matching finite differences, trains and round-trips exactly', async () => {
    const layer = patchEmbedding({ patchSize: 2, embedDim: 2, name: 'embed', seed: 1 });
    const x = randomTensor([1, 4, 4, 2], 3);
    layer.apply(x);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables: layer.trainableWeights.map((w) => w.read() as tf.Variable) });
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: patchEmbedding({ patchSize: 2, embedDim: 2, name: 'pe', flatten: true }).apply(input) as tfl.SymbolicTensor });
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'pe')!;
    expect(saved).toMatchObject({ class_name: 'PatchEmbedding', config: { patch_size: 2, embed_dim: 2, flatten: true } });
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    x.dispose();
    model.dispose();
  });

  it('rejects a spatial size that is not a multiple of the patch', () => {
    expect(() => patchEmbedding({ patchSize: 16, embedDim: 8 }).apply(tfl.input({ shape: [96, 90, 1] }))).toThrow(
      'PatchEmbedding: input shape is [null, 96, 90, 1]; every spatial size must be a multiple of args.patchSize 16.',
    );
    expect(() => patchEmbedding({ patchSize: 0, embedDim: 8 })).toThrow('PatchEmbedding: args.patchSize is 0; expected an integer >= 1.');
  });
});

describeEachBackend('LearnedPositionEmbedding', () => {
  it('adds one learned vector per position, the same for every sample, with T * C parameters', async () => {
    const layer = learnedPositionEmbedding({ name: 'pos' });
    const x = randomTensor([2, 3, 4], 1);
    layer.apply(x);
    expect(layer.countParams()).toBe(12);
    const [e] = setRandomWeights(layer, 5);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const xs = x.dataSync();
    expectClose(values(y), Array.from(xs, (v, i) => v + e![i % 12]!), 1e-6);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables: layer.trainableWeights.map((w) => w.read() as tf.Variable) });
    const input = tfl.input({ shape: [2, 2, 3] });
    const model = tfl.model({ inputs: input, outputs: learnedPositionEmbedding({ name: 'p2', seed: 3 }).apply(input) as tfl.SymbolicTensor });
    const x2 = randomTensor([1, 2, 2, 3], 2);
    const saved = (await expectExactRoundTrips(model, x2)).find((l) => l.config.name === 'p2')!;
    expect(saved.class_name).toBe('LearnedPositionEmbedding');
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    tf.dispose([x, y, x2]);
    model.dispose();
  });

  it('rejects an input with an unknown position axis', () => {
    expect(() => learnedPositionEmbedding().apply(tfl.input({ shape: [null, 4] }))).toThrow(
      'LearnedPositionEmbedding: input shape is [null, null, 4]; expected rank 3 or more with every axis but the batch known.',
    );
  });
});

describeEachBackend('PatchMerging', () => {
  it('concatenates each 2x2 neighbourhood in MONAI PatchMergingV2 order, then layer norm and a linear map (float64 reference)', () => {
    const layer = patchMerging();
    const x = randomTensor([1, 4, 4, 3], 1);
    layer.apply(x);
    expect(layer.countParams()).toBe(12 * 6 + 2 * 12);
    const [gamma, beta, kernel] = setRandomWeights(layer, 2);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 2, 2, 6]);
    const xs = x.dataSync();
    // output (1, 0): offsets (0,0), (0,1), (1,0), (1,1) of input rows 2-3, cols 0-1.
    const at = (h: number, w: number) => Array.from(xs.slice((h * 4 + w) * 3, (h * 4 + w) * 3 + 3));
    const merged = [...at(2, 0), ...at(2, 1), ...at(3, 0), ...at(3, 1)];
    expectClose(values(y).slice(12, 18), matmulRef(layerNormRef(merged, gamma!, beta!), 1, 12, kernel!, 6), 1e-4);
    tf.dispose([x, y]);
  });

  it('3D: offsets in itertools.product order (last axis fastest); odd sizes are zero-padded', () => {
    const layer = patchMerging();
    const x = randomTensor([1, 2, 2, 3, 1], 3);
    layer.apply(x);
    const [gamma, beta, kernel] = setRandomWeights(layer, 4);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 1, 1, 2, 2]);
    const xs = x.dataSync();
    const at = (d: number, h: number, w: number) => (w < 3 ? xs[(d * 2 + h) * 3 + w]! : 0);
    // output (0, 0, 1): input w = 2 and the padded w = 3.
    const merged: number[] = [];
    for (let d = 0; d < 2; d++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) merged.push(at(d, h, 2 + w));
    expectClose(values(y).slice(2, 4), matmulRef(layerNormRef(merged, gamma!, beta!), 1, 8, kernel!, 2), 1e-4);
    tf.dispose([x, y]);
  });

  it('has gradients matching finite differences, round-trips exactly and leaks nothing', async () => {
    const layer = patchMerging();
    const x = randomTensor([1, 4, 4, 2], 5);
    layer.apply(x);
    setRandomWeights(layer, 6);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables: layer.trainableWeights.map((w) => w.read() as tf.Variable) });
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: patchMerging({ name: 'pm', seed: 2 }).apply(input) as tfl.SymbolicTensor });
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'pm')!;
    expect(saved).toMatchObject({ class_name: 'PatchMerging', config: { epsilon: 1e-5 } });
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    x.dispose();
    model.dispose();
  });
});

describeEachBackend('PatchExpanding', () => {
  it('maps C -> 4 * C/2, shuffles each position into a 2x2 block of C/2 channels, then layer norm (float64 reference)', () => {
    const layer = patchExpanding();
    const x = randomTensor([1, 2, 2, 4], 1);
    layer.apply(x);
    expect(layer.countParams()).toBe(4 * 8 + 2 * 2);
    const [kernel, gamma, beta] = setRandomWeights(layer, 2);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 4, 4, 2]);
    // input (0, 1) -> outputs rows 0-1, cols 2-3; output (1, 3) is block offset (1, 1): channels 6-7 of the expansion.
    const expanded = matmulRef(Array.from(x.dataSync().slice(4, 8)), 1, 4, kernel!, 8);
    expectClose(values(y).slice((1 * 4 + 3) * 2, (1 * 4 + 3) * 2 + 2), layerNormRef(expanded.slice(6, 8), gamma!, beta!), 1e-4);
    tf.dispose([x, y]);
  });

  it('3D: output (1, 0, 1) is block offset (1, 0, 1) of input (0, 0, 0) (float64 reference)', () => {
    const layer = patchExpanding({ outputChannels: 3 });
    const x = randomTensor([1, 1, 1, 2, 4], 7);
    layer.apply(x);
    const [kernel, gamma, beta] = setRandomWeights(layer, 8);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(y.shape).toEqual([1, 2, 2, 4, 3]);
    const expanded = matmulRef(Array.from(x.dataSync().slice(0, 4)), 1, 4, kernel!, 24);
    const offset = (1 * 2 + 0) * 2 + 1; // (p1, p2, p3) = (1, 0, 1), row-major
    expectClose(values(y).slice(((1 * 2 + 0) * 4 + 1) * 3, ((1 * 2 + 0) * 4 + 1) * 3 + 3), layerNormRef(expanded.slice(offset * 3, offset * 3 + 3), gamma!, beta!), 1e-4);
    tf.dispose([x, y]);
  });

  it('3D x2 and the x4 final expand keep the channel counts of Swin-Unet', () => {
    const up3 = patchExpanding().apply(tfl.input({ shape: [2, 2, 2, 8] })) as tfl.SymbolicTensor;
    expect(up3.shape).toEqual([null, 4, 4, 4, 4]);
    const final = patchExpanding({ scale: 4 });
    expect((final.apply(tfl.input({ shape: [2, 2, 6] })) as tfl.SymbolicTensor).shape).toEqual([null, 8, 8, 6]);
    expect(final.countParams()).toBe(6 * 16 * 6 + 12);
  });

  it('has gradients matching finite differences, round-trips exactly and leaks nothing', async () => {
    // 4 output channels: layer norm over 2 channels is +-1 almost everywhere, too steep for finite differences.
    const layer = patchExpanding({ outputChannels: 4 });
    const x = randomTensor([1, 2, 2, 2, 4], 5);
    layer.apply(x);
    setRandomWeights(layer, 6);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables: layer.trainableWeights.map((w) => w.read() as tf.Variable), h: 2e-3 });
    const input = tfl.input({ shape: [2, 2, 2, 4] });
    const model = tfl.model({ inputs: input, outputs: patchExpanding({ name: 'px', seed: 2, scale: 2 }).apply(input) as tfl.SymbolicTensor });
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'px')!;
    expect(saved).toMatchObject({ class_name: 'PatchExpanding', config: { scale: 2, epsilon: 1e-5 } });
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    x.dispose();
    model.dispose();
  });
});

describe('patch layer arguments', () => {
  it('reject bad arguments naming the layer, argument and valid values', () => {
    expect(() => patchExpanding({ scale: 1 })).toThrow('PatchExpanding: args.scale is 1; expected an integer >= 2.');
    expect(() => patchExpanding().apply(tfl.input({ shape: [2, 2, 3] }))).toThrow(/PatchExpanding: input shape is \[null, 2, 2, 3\]; the default output channels C \/ 2 needs an even C/);
    expect(() => patchMerging({ epsilon: 0 })).toThrow('PatchMerging: args.epsilon is 0; expected a finite number > 0.');
    expect(() => patchMerging().apply(tfl.input({ shape: [4, 4] }))).toThrow(/PatchMerging: input shape is \[null, 4, 4\]/);
  });
});
