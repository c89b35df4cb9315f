import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { multiHeadAttention } from '../../src/layers/multiHeadAttention.js';
import { WindowAttention, windowAttention } from '../../src/layers/windowAttention.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { attendRef, concatHeads, headSlice, matmulRef } from './attentionReference.js';
import { expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

/**
 * Shifted-window attention of one sample in float64, from the definitions (Swin, MONAI): zero
 * padding, shifted position p reads x[(p + s) mod P], windows of the shifted grid attend within
 * themselves with bias table[index(offsets in the configured window), h] and -100 between bands.
 */
function windowReference(x: ArrayLike<number>, spatial: number[], c: number, heads: number, configured: number[], shift0: number[], w: Float32Array[]): number[] {
  const [qkvK, qkvB, projK, projB, table] = w;
  const window = spatial.map((d, i) => Math.min(d, configured[i]!));
  const shift = spatial.map((d, i) => (d <= configured[i]! ? 0 : shift0[i]!));
  const padded = spatial.map((d, i) => Math.ceil(d / window[i]!) * window[i]!);
  const count = padded.reduce((a, b) => a * b, 1);
  const coords = (p: number, dims: number[]) => dims.map((_, a) => Math.floor(p / dims.slice(a + 1).reduce((s, v) => s * v, 1)) % dims[a]!);
  const flat = (cs: number[], dims: number[]) => cs.reduce((acc, v, a) => acc * dims[a]! + v, 0);
  // shifted, padded input
  const xs: number[] = [];
  for (let p = 0; p < count; p++) {
    const src = coords(p, padded).map((v, a) => (v + shift[a]!) % padded[a]!);
    const inside = src.every((v, a) => v < spatial[a]!);
    for (let ch = 0; ch < c; ch++) xs.push(inside ? x[flat(src, spatial) * c + ch]! : 0);
  }
  const qkv = matmulRef(xs, count, c, qkvK!, 3 * c, qkvB);
  const hd = c / heads;
  const part = (which: number) => Array.from({ length: count * c }, (_, k) => qkv[Math.floor(k / c) * 3 * c + which * c + (k % c)]!);
  const [q, k, v] = [part(0), part(1), part(2)];
  const band = (value: number, a: number) => (shift[a] === 0 ? 0 : value < padded[a]! - window[a]! ? 0 : value < padded[a]! - shift[a]! ? 1 : 2);
  const strides = configured.map((_, a) => configured.slice(a + 1).reduce((s, wv) => s * (2 * wv - 1), 1));
  const out = new Array<number>(count * c).fill(0);
  const size = window.reduce((a, b) => a * b, 1);
  for (let win = 0; win < count / size; win++) {
    const g = coords(win, padded.map((d, a) => d / window[a]!));
    const members = Array.from({ length: size }, (_, o) => flat(coords(o, window).map((ov, a) => g[a]! * window[a]! + ov), padded));
    const rows = (m: number[]) => members.flatMap((p) => m.slice(p * c, (p + 1) * c));
    const [qw, kw, vw] = [rows(q), rows(k), rows(v)];
    const parts = Array.from({ length: heads }, (_, h) =>
      attendRef(headSlice(qw, size, heads, hd, h), headSlice(kw, size, heads, hd, h), headSlice(vw, size, heads, hd, h), size, size, hd, hd, (i, j) => {
        const ci = coords(i, configured);
        const cj = coords(j, configured);
        const index = ci.reduce((acc, cv, a) => acc + (cv - cj[a]! + configured[a]! - 1) * strides[a]!, 0);
        const pi = coords(members[i]!, padded);
        const pj = coords(members[j]!, padded);
        const sameBands = pi.every((pv, a) => band(pv, a) === band(pj[a]!, a));
        return table![index * heads + h]! + (sameBands ? 0 : -100);
      }),
    );
    const projected = matmulRef(concatHeads(parts, size, hd), size, c, projK!, c, projB);
    members.forEach((p, i) => {
      for (let ch = 0; ch < c; ch++) out[p * c + ch] = projected[i * c + ch]!;
    });
  }
  // unshift and crop: original position u reads shifted position (u - s) mod P
  const total = spatial.reduce((a, b) => a * b, 1);
  const result: number[] = [];
  for (let u = 0; u < total; u++) {
    const p = flat(coords(u, spatial).map((v, a) => (v - shift[a]! + padded[a]!) % padded[a]!), padded);
    for (let ch = 0; ch < c; ch++) result.push(out[p * c + ch]!);
  }
  return result;
}

function setRandomWeights(layer: tfl.layers.Layer, seed: number, scale = 0.5): Float32Array[] {
  const values = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, -scale, scale));
  layer.setWeights(values);
  const arrays = values.map((t) => t.dataSync() as Float32Array);
  tf.dispose(values);
  return arrays;
}

describeEachBackend('WindowAttention', () => {
  const cases: { title: string; shape: number[]; window: number[]; shift: number[] }[] = [
    { title: '2D, shifted', shape: [2, 4, 4, 4], window: [2, 2], shift: [1, 1] },
    { title: '2D, padded (5x6 to windows of 3) and shifted', shape: [1, 5, 6, 4], window: [3, 3], shift: [1, 1] },
    { title: '2D, one axis shorter than the window (MONAI reduction)', shape: [1, 3, 8, 2], window: [4, 4], shift: [2, 2] },
    { title: '3D, shifted', shape: [1, 4, 4, 4, 2], window: [2, 2, 2], shift: [1, 1, 1] },
    { title: '3D, unshifted', shape: [1, 4, 2, 4, 4], window: [2, 2, 2], shift: [0, 0, 0] },
  ];
  for (const { title, shape, window, shift } of cases) {
    it(`matches a float64 reference: ${title}`, () => {
      const c = shape[shape.length - 1]!;
      const layer = windowAttention({ numHeads: 2, windowSize: window, shiftSize: shift });
      const x = randomTensor(shape, 1, -2, 2);
      layer.apply(x);
      const w = setRandomWeights(layer, 10);
      const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
      expect(y.shape).toEqual(shape);
      const per = shape.slice(1).reduce((a, b) => a * b, 1);
      const xs = x.dataSync();
      const ys = y.dataSync();
      for (let n = 0; n < shape[0]!; n++) {
        const expected = windowReference(xs.slice(n * per, (n + 1) * per), shape.slice(1, -1), c, 2, window, shift, w);
        expectClose(Array.from(ys.slice(n * per, (n + 1) * per)), expected, 1e-4);
      }
      tf.dispose([x, y]);
    });
  }

  it('with one window covering the map, no shift and a zero bias table, equals MultiHeadAttention with the same projections', () => {
    const layer = windowAttention({ numHeads: 2, windowSize: 4 });
    const mha = multiHeadAttention({ numHeads: 2, keyDim: 2 });
    const x = randomTensor([1, 4, 4, 4], 2);
    layer.apply(x);
    mha.apply(x);
    const [qkvK, qkvB, projK, projB, table] = setRandomWeights(layer, 20);
    // qkv/kernel [C, 3C] columns: q | k | v, heads contiguous inside each: Keras [C, heads, K] row-major.
    const cols = (m: Float32Array, from: number) => Array.from({ length: 16 }, (_, i) => m[Math.floor(i / 4) * 12 + from + (i % 4)]!);
    const t = (values: number[], shape: number[]) => tf.tensor(values, shape);
    const weights = [
      t(cols(qkvK!, 0), [4, 2, 2]), t(Array.from(qkvB!.slice(0, 4)), [2, 2]),
      t(cols(qkvK!, 4), [4, 2, 2]), t(Array.from(qkvB!.slice(4, 8)), [2, 2]),
      t(cols(qkvK!, 8), [4, 2, 2]), t(Array.from(qkvB!.slice(8, 12)), [2, 2]),
      t(Array.from(projK!), [2, 2, 4]), t(Array.from(projB!), [4]),
    ];
    mha.setWeights(weights);
    const zeros = tf.zeros([table!.length / 2, 2]);
    layer.setWeights([...layer.getWeights().slice(0, 4), zeros]);
    const a = tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
    const b = tf.tidy(() => Array.from((mha.apply(x) as tf.Tensor).dataSync()));
    expectClose(a, b, 1e-5);
    tf.dispose([x, zeros, ...weights]);
  });

  it('has the Swin weights and 4C^2 + 4C + prod(2w - 1) * heads parameters', () => {
    const layer = windowAttention({ numHeads: 3, windowSize: 7, name: 'wa' });
    layer.apply(tfl.input({ shape: [14, 14, 14, 12] }));
    expect(layer.weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['wa/qkv/kernel', [12, 36]], ['wa/qkv/bias', [36]], ['wa/proj/kernel', [12, 12]], ['wa/proj/bias', [12]],
      ['wa/relative_position_bias_table', [13 ** 3, 3]],
    ]);
    expect(layer.countParams()).toBe(4 * 144 + 4 * 12 + 2197 * 3);
  });

  it('has gradients matching finite differences (input and every weight), shifted', async () => {
    const layer = windowAttention({ numHeads: 1, windowSize: 2, shiftSize: 1 });
    const x = randomTensor([1, 4, 4, 2], 3);
    layer.apply(x);
    setRandomWeights(layer, 30);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x, { variables });
    x.dispose();
  });

  it('trains inside a model and round-trips exactly through save/load with its config', async () => {
    const input = tfl.input({ shape: [4, 4, 4, 2] });
    const layer = windowAttention({ numHeads: 2, windowSize: 2, shiftSize: 1, name: 'wa', seed: 4 });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = randomTensor([2, 4, 4, 4, 2], 5);
    const teacher = windowAttention({ numHeads: 2, windowSize: 2, shiftSize: 1 });
    teacher.apply(x);
    setRandomWeights(teacher, 60);
    const y = tf.tidy(() => teacher.apply(x) as tf.Tensor);
    const history = await model.fit(x, y, { epochs: 20, batchSize: 2, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    const saved = (await expectExactRoundTrips(model, x)).find((l) => l.config.name === 'wa')!;
    expect(saved.class_name).toBe('WindowAttention');
    expect(saved.config).toMatchObject({ num_heads: 2, window_size: 2, shift_size: 1, qkv_bias: true, attention_dropout: 0, projection_dropout: 0 });
    tf.dispose([x, y]);
    teacher.dispose();
    model.dispose();
  });

  it('leaks no tensors (padded, shifted, training with dropout)', async () => {
    const layer = windowAttention({ numHeads: 2, windowSize: 3, shiftSize: 1, attentionDropout: 0.2, projectionDropout: 0.2 });
    const x = randomTensor([1, 5, 5, 4], 6);
    layer.apply(x);
    await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    await expectNoLeakRead(() => layer.apply(x, { training: true }) as tf.Tensor);
    x.dispose();
  });
});

describe('WindowAttention arguments', () => {
  it('rejects bad arguments and shapes naming the layer, argument and valid values', () => {
    expect(() => windowAttention({ numHeads: 0 })).toThrow('WindowAttention: args.numHeads is 0; expected an integer >= 1.');
    expect(() => windowAttention({ numHeads: 1, windowSize: 0 })).toThrow('WindowAttention: args.windowSize is 0; expected an integer >= 1.');
    expect(() => windowAttention({ numHeads: 1, attentionDropout: 1 })).toThrow('WindowAttention: args.attentionDropout is 1; expected a finite number >= 0 and < 1.');
    expect(() => windowAttention({ numHeads: 5 }).apply(tfl.input({ shape: [8, 8, 12] }))).toThrow(
      'WindowAttention: args.numHeads is 5; it must divide the channel count 12 (each head gets C / heads channels).',
    );
    expect(() => windowAttention({ numHeads: 1, windowSize: [2, 2] }).apply(tfl.input({ shape: [4, 4, 4, 2] }))).toThrow(
      'WindowAttention: args.windowSize is [2, 2]; expected one number or 3 numbers (one per spatial axis).',
    );
    expect(() => windowAttention({ numHeads: 1, windowSize: 2, shiftSize: 2 }).apply(tfl.input({ shape: [4, 4, 2] }))).toThrow(
      /WindowAttention: args.shiftSize is 2; expected shifts smaller than the window \[2, 2\]/,
    );
    expect(() => windowAttention({ numHeads: 1 }).apply(tfl.input({ shape: [4, 2] }))).toThrow(/WindowAttention: input shape is \[null, 4, 2\]/);
    expect(new WindowAttention({ numHeads: 1 })).toBeInstanceOf(WindowAttention);
  });
});
