import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention, multiHeadAttention } from '../../src/layers/multiHeadAttention.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { attendRef, concatHeads, headSlice, matmulRef } from './attentionReference.js';
import { expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

/** Keras MHA in float64 on one sample: weights in Keras order [Wq, bq, Wk, bk, Wv, bv, Wo, bo]. */
function mhaReference(query: number[], value: number[], tq: number, tk: number, cq: number, cv: number, heads: number, kd: number, w: Float32Array[]): number[] {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
  const q = matmulRef(query, tq, cq, wq!, heads * kd, bq);
  const k = matmulRef(value, tk, cv, wk!, heads * kd, bk);
  const v = matmulRef(value, tk, cv, wv!, heads * kd, bv);
  const parts = Array.from({ length: heads }, (_, h) => attendRef(headSlice(q, tq, heads, kd, h), headSlice(k, tk, heads, kd, h), headSlice(v, tk, heads, kd, h), tq, tk, kd, kd));
  return matmulRef(concatHeads(parts, tq, kd), tq, heads * kd, wo!, cq, bo);
}

function setRandomWeights(layer: tfl.layers.Layer, seed: number): Float32Array[] {
  const values = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, -0.5, 0.5));
  layer.setWeights(values);
  const arrays = values.map((t) => t.dataSync() as Float32Array);
  tf.dispose(values);
  return arrays;
}

describeEachBackend('MultiHeadAttention', () => {
  it('matches a float64 reference for self-attention on tokens and for cross-attention [query, value]', () => {
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 3 });
    const x = randomTensor([2, 5, 4], 1);
    layer.apply(x);
    const w = setRandomWeights(layer, 10);
    const y = tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync());
    const xs = Array.from(x.dataSync());
    for (let n = 0; n < 2; n++) {
      const sample = xs.slice(n * 20, (n + 1) * 20);
      expectClose(Array.from(y.slice(n * 20, (n + 1) * 20)), mhaReference(sample, sample, 5, 5, 4, 4, 2, 3, w), 1e-4);
    }
    const cross = multiHeadAttention({ numHeads: 2, keyDim: 3 });
    const value = randomTensor([1, 3, 6], 2);
    const q1 = tf.slice(x, [0, 0, 0], [1, -1, -1]);
    cross.apply([q1, value]);
    const wc = setRandomWeights(cross, 20);
    const yc = tf.tidy(() => (cross.apply([q1, value]) as tf.Tensor));
    expect(yc.shape).toEqual([1, 5, 4]);
    expectClose(Array.from(yc.dataSync()), mhaReference(Array.from(q1.dataSync()), Array.from(value.dataSync()), 5, 3, 4, 6, 2, 3, wc), 1e-4);
    tf.dispose([x, value, q1, yc]);
  });

  it('attends over every position of a 2D or 3D map, as over its flattened tokens (Keras attention_axes=None)', () => {
    for (const shape of [[1, 2, 3, 4], [1, 2, 2, 2, 4]]) {
      const layer = multiHeadAttention({ numHeads: 1, keyDim: 4, seed: 3 });
      const x = randomTensor(shape, 4);
      const tokens = tf.reshape(x, [1, -1, 4]);
      const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
      const yt = tf.tidy(() => layer.apply(tokens) as tf.Tensor);
      expect(y.shape).toEqual(shape);
      expectClose(Array.from(y.dataSync()), Array.from(yt.dataSync()), 1e-6);
      tf.dispose([x, tokens, y, yt]);
    }
  });

  it('has Keras weight shapes, and a parameter count of Cq*h*k + Ck*h*k + Cv*h*v + h*v*Cq + biases', () => {
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 5, name: 'mha' });
    layer.apply(tfl.input({ shape: [7, 4] }));
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['mha/query/kernel', [4, 2, 3]], ['mha/query/bias', [2, 3]],
      ['mha/key/kernel', [4, 2, 3]], ['mha/key/bias', [2, 3]],
      ['mha/value/kernel', [4, 2, 5]], ['mha/value/bias', [2, 5]],
      ['mha/attention_output/kernel', [2, 5, 4]], ['mha/attention_output/bias', [4]],
    ]);
    expect(layer.countParams()).toBe(4 * 6 + 4 * 6 + 4 * 10 + 10 * 4 + 6 + 6 + 10 + 4);
    // MONAI SABlock: no q/k/v bias, an output bias.
    const monai = multiHeadAttention({ numHeads: 2, keyDim: 6, useBias: false, outputUseBias: true });
    monai.apply(tfl.input({ shape: [7, 12] }));
    expect(monai.countParams()).toBe(4 * 12 * 12 + 12);
  });

  it('drops attention weights only in training', () => {
    const layer = multiHeadAttention({ numHeads: 1, keyDim: 4, dropout: 0.5, seed: 1 });
    const x = randomTensor([1, 6, 4], 5);
    const a = tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
    const b = tf.tidy(() => Array.from((layer.apply(x, { training: false }) as tf.Tensor).dataSync()));
    const c = tf.tidy(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync()));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    x.dispose();
  });

  it('has gradients matching finite differences (input and every weight)', async () => {
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 2 });
    const x = randomTensor([1, 3, 4], 6);
    layer.apply(x);
    setRandomWeights(layer, 30);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables });
    x.dispose();
  });

  it('trains inside a model and round-trips exactly through save/load with its Keras config', async () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha', seed: 2 });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const x = randomTensor([2, 4, 4, 3], 7);
    // A reachable target: the output of the same layer with other weights.
    const teacher = multiHeadAttention({ numHeads: 2, keyDim: 3, seed: 40 });
    const y = tf.tidy(() => teacher.apply(x) as tf.Tensor);
    const history = await model.fit(x, y, { epochs: 25, batchSize: 2, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'mha')!;
    expect(saved.class_name).toBe('MultiHeadAttention');
    expect(saved.config).toMatchObject({ num_heads: 2, key_dim: 3, value_dim: 3, dropout: 0, use_bias: true, attention_axes: null, output_shape: null });
    tf.dispose([x, y]);
    teacher.dispose();
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 2 });
    const x = randomTensor([1, 4, 4], 9);
    layer.apply(x);
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    await expectNoLeakRead(() => layer.apply(x, { training: true }) as tf.Tensor);
    x.dispose();
  });
});

describe('MultiHeadAttention arguments', () => {
  it('rejects bad arguments naming the layer, argument and valid values', () => {
    expect(() => multiHeadAttention({ numHeads: 0, keyDim: 4 })).toThrow('MultiHeadAttention: args.numHeads is 0; expected an integer >= 1.');
    expect(() => multiHeadAttention({ numHeads: 2 } as never)).toThrow('MultiHeadAttention: args.keyDim is undefined; expected an integer >= 1.');
    expect(() => multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow('MultiHeadAttention: args.dropout is 1; expected a finite number >= 0 and < 1.');
    expect(() => multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1] as never })).toThrow(/args.attentionAxes is \[1\]; expected null/);
    expect(() => multiHeadAttention({ numHeads: 2, keyDim: 2 }).apply(tfl.input({ shape: [4] }))).toThrow(
      'MultiHeadAttention: input shape is [null, 4]; expected rank 3 or more ([N, ..., C], channels last) with a known channel count.',
    );
    expect(new MultiHeadAttention({ numHeads: 1, keyDim: 1 })).toBeInstanceOf(MultiHeadAttention);
  });
});
