import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { scaledDotProductAttention } from '../../src/layers/attentionMath.js';
import { attentionChunkScores, chunkedWindowAttention, setAttentionChunkScores } from '../../src/layers/chunkedAttention.js';
import { windowAttention } from '../../src/layers/windowAttention.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { randomTensor, randomValues } from './layerChecks.js';

const DEFAULT = attentionChunkScores();

/** The one-shot formulation with the mask group of window r = r mod G, as the layer builds it. */
function stock(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor, mask: { values: Float32Array; groups: number } | null): tf.Tensor {
  const [rows, heads, n, depth] = q.shape as [number, number, number, number];
  if (mask === null) return scaledDotProductAttention(q, k, v, bias, 0);
  const combined = tf.add(tf.expandDims(tf.tensor3d(mask.values, [mask.groups, n, n]), 1), bias);
  const view = [rows / mask.groups, mask.groups, heads, n, depth];
  return tf.reshape(scaledDotProductAttention(tf.reshape(q, view), tf.reshape(k, view), tf.reshape(v, view), combined, 0), q.shape);
}

/** Values and gradients (for q, k, v, bias) of sum(attention * w) for fixed random w. */
function valueAndGrads(f: typeof stock, shape: [number, number, number, number], mask: { values: Float32Array; groups: number } | null): number[][] {
  return tf.tidy(() => {
    const [rows, heads, n] = shape;
    const [q, k, v] = [1, 2, 3].map((s) => randomTensor(shape, s, -1.5, 1.5));
    const bias = randomTensor([heads, n, n], 4);
    const w = randomTensor(shape, 5);
    const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, c, d, mask), w));
    const out = f(q!, k!, v!, bias, mask);
    const grads = tf.grads(loss)([q!, k!, v!, bias]);
    expect(out.shape).toEqual([rows, heads, n, shape[3]]);
    return [out, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describeEachBackend('chunkedWindowAttention', () => {
  afterEach(() => {
    setAttentionChunkScores(DEFAULT);
  });

  const cases: { title: string; shape: [number, number, number, number]; groups: number; chunkRows: number }[] = [
    { title: 'no mask, 6 windows in chunks of 4 (4 + 2)', shape: [6, 2, 4, 3], groups: 1, chunkRows: 4 },
    { title: '2 images of 3 masked windows in chunks of 2 (2 + 1 per image)', shape: [6, 2, 4, 3], groups: 3, chunkRows: 2 },
    { title: 'one chunk holding every window', shape: [4, 1, 3, 2], groups: 2, chunkRows: 100 },
    { title: 'one window per chunk', shape: [3, 2, 2, 2], groups: 3, chunkRows: 1 },
  ];
  for (const { title, shape, groups, chunkRows } of cases) {
    it(`equals the one-shot attention and its gradients: ${title}`, () => {
      const [, heads, n] = shape;
      const mask = groups === 1 ? null : { values: Float32Array.from(randomValues(groups * n * n, 9), (x) => (x > 0 ? 0 : -100)), groups };
      const expected = valueAndGrads(stock, shape, mask);
      setAttentionChunkScores(chunkRows * heads * n * n);
      const actual = valueAndGrads(chunkedWindowAttention as typeof stock, shape, mask);
      expected.forEach((e, i) => expectClose(actual[i], e, 1e-4, ['out', 'dq', 'dk', 'dv', 'dbias'][i]));
    });
  }

  it('leaks no tensor in the forward and backward passes', async () => {
    setAttentionChunkScores(2 * 2 * 4 * 4);
    const [q, k, v] = [1, 2, 3].map((s) => randomTensor([4, 2, 4, 2], s)) as tf.Tensor4D[];
    const bias = randomTensor([2, 4, 4], 4) as tf.Tensor3D;
    const mask = { values: new Float32Array(2 * 16), groups: 2 };
    await expectNoLeak(() => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(chunkedWindowAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor3D, mask)))([q!, k!, v!, bias]);
      tf.dispose(grads);
    });
    tf.dispose([q!, k!, v!, bias]);
  });

  it('rejects a window count that is not whole images, and a bad chunk size', () => {
    const q = tf.zeros([3, 1, 2, 2]) as tf.Tensor4D;
    const bias = tf.zeros([1, 2, 2]) as tf.Tensor3D;
    expect(() => chunkedWindowAttention(q, q, q, bias, { values: new Float32Array(8), groups: 2 })).toThrow(/3 windows are not a whole number of images of 2/);
    expect(() => setAttentionChunkScores(-1)).toThrow(/expected an integer >= 0/);
    tf.dispose([q, bias]);
  });

  for (const { title, shape, window, shift } of [
    { title: '2D shifted', shape: [2, 6, 6, 4], window: [3, 3], shift: [1, 1] },
    { title: '3D shifted and padded', shape: [1, 4, 3, 4, 4], window: [2, 2, 2], shift: [1, 1, 1] },
    { title: '3D unshifted', shape: [2, 4, 4, 2, 2], window: [2, 2, 2], shift: [0, 0, 0] },
  ]) {
    it(`WindowAttention gives the same output and weight gradients chunked as in one shot: ${title}`, () => {
      const layer = windowAttention({ numHeads: 2, windowSize: window, shiftSize: shift, seed: 3 });
      const x = randomTensor(shape, 1, -2, 2);
      const run = (): number[][] =>
        tf.tidy(() => {
          const f = () => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
          const { value, grads } = tf.variableGrads(f, layer.trainableWeights.map((w) => w.read() as tf.Variable));
          return [[value.dataSync()[0]!], ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
        });
      setAttentionChunkScores(0);
      layer.apply(x);
      const oneShot = run();
      // Three windows' scores per chunk (2 heads, n positions per window): several chunks per image.
      const n = window.reduce((a, b) => a * b, 1);
      setAttentionChunkScores(3 * 2 * n * n);
      const chunked = run();
      oneShot.forEach((e, i) => expectClose(chunked[i], e, 1e-4, `value/grad ${i}`));
      tf.dispose(x);
    });
  }
});
