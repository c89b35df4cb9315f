// The main-thread pieces of dataParallelTrainer that need no worker: fast checks of the shard
// arithmetic, the in-place average and the change tracking the worker tests rely on.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backend/useBackend.js';
import { resolveOptions } from '../../../src/train/dataParallel/options.js';
import { averageInPlace, SharedWeights } from '../../../src/train/dataParallel/sharedWeights.js';
import { concatShards, shardRanges, sliceWire, toWire } from '../../../src/train/dataParallel/shards.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('shardRanges', () => {
  it('splits a batch into contiguous near-equal shards, the larger ones first', () => {
    expect(shardRanges(5, 2)).toEqual([
      [0, 3],
      [3, 5],
    ]);
    expect(shardRanges(10, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    expect(shardRanges(1, 4)).toEqual([[0, 1]]);
  });

  it('covers every sample once with at most `workers` shards differing by at most one sample', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 }), (n, workers) => {
        const parts = shardRanges(n, workers);
        expect(parts.length).toBe(Math.min(n, workers));
        expect(parts[0]![0]).toBe(0);
        expect(parts[parts.length - 1]![1]).toBe(n);
        parts.forEach(([a], i) => i > 0 && expect(a).toBe(parts[i - 1]![1]));
        const sizes = parts.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('sliceWire / concatShards', () => {
  it('slices samples into arrays of their own and joins shards back in order', async () => {
    const x = tf.reshape(tf.range(0, 5 * 2 * 3, 1, 'float32'), [5, 2, 3]);
    const xw = await toWire(x);
    const parts = shardRanges(5, 2).map((part) => sliceWire(xw, x.shape, part));
    expect(parts.map((p) => p.shape)).toEqual([
      [3, 2, 3],
      [2, 2, 3],
    ]);
    expect(Array.from(parts[1]!.data)).toEqual(Array.from(xw.data.slice(18)));
    // Transferring one shard must not detach the batch or the other shard.
    expect(parts[0]!.data.buffer).not.toBe(parts[1]!.data.buffer);
    expect(parts[0]!.data.buffer).not.toBe(xw.data.buffer);
    const joined = concatShards(parts, 5);
    expect(joined.shape).toEqual([5, 2, 3]);
    expect(Array.from(await joined.data())).toEqual(Array.from(xw.data));
    tf.dispose([x, joined]);
  });

  it('rejects dtypes that do not cross threads as typed arrays', async () => {
    const b = tf.tensor([true, false], [2], 'bool');
    await expect(toWire(b)).rejects.toThrow(/x\/y dtype/);
    b.dispose();
  });
});

describe('averageInPlace', () => {
  it('writes the share-weighted mean of the regions over region 0, rounding to float32 per term', () => {
    const one = new Float32Array([1, 2]);
    averageInPlace(one, 2, [1]);
    expect(Array.from(one)).toEqual([1, 2]);
    const two = new Float32Array([1, 2, 3, 4]);
    averageInPlace(two, 2, [0.6, 0.4]);
    expect(Array.from(two.subarray(0, 2))).toEqual([Math.fround(Math.fround(0.6) + 0.4 * 3), Math.fround(Math.fround(1.2) + 1.6)]);
    const three = new Float32Array([3, 6, 9]);
    averageInPlace(three, 1, [0.5, 0.25, 0.25]);
    expect(three[0]).toBe(Math.fround(Math.fround(1.5 + 1.5) + 2.25));
  });
});

describe('SharedWeights', () => {
  it('publishes every weight once, then only those whose value changed', () => {
    const input = tfl.input({ shape: [3] });
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
    const shared = new SharedWeights(model.weights, 2);
    expect(shared.shapes).toEqual([
      [3, 2],
      [2],
    ]);
    expect(shared.buffers.grads.byteLength).toBe(4 * 8 * 2);
    expect(shared.publishChanged()).toEqual([0, 1]);
    expect(shared.publishChanged()).toEqual([]);
    const bias = tf.tensor([5, 7]);
    model.layers[1]!.weights[1]!.write(bias);
    expect(shared.publishChanged()).toEqual([1]);
    expect(Array.from(new Float32Array(shared.buffers.weights).subarray(6, 8))).toEqual([5, 7]);
    tf.dispose(bias);
    model.dispose();
  });

  it('hands out the averaged gradients keyed by variable name', async () => {
    const input = tfl.input({ shape: [1] });
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor });
    const shared = new SharedWeights(model.weights, 2);
    new Float32Array(shared.buffers.grads).set([1, 2, 3, 4]);
    shared.average([0.5, 0.5]);
    const grads = shared.gradientTensors();
    const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    expect(Object.keys(grads)).toEqual(names);
    expect(await Promise.all(names.map(async (n) => Array.from(await grads[n]!.data())))).toEqual([[2], [3]]);
    tf.dispose(Object.values(grads));
    model.dispose();
  });
});

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const input = tfl.input({ shape: [1] });
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor });
    const optimizer = tf.train.sgd(0.1);
    expect(resolveOptions(model, { loss: 'meanSquaredError', optimizer })).toEqual({ loss: 'meanSquaredError', optimizer, workers: 2, backend: 'wasm', imports: [], callTimeoutMs: 600_000 });
    model.dispose();
  });
});
