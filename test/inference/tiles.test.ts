import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { slidingWindowInference } from '../../src/inference/slidingWindow.js';
import { tiledPredict, type ArrayImage } from '../../src/inference/tiles.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { maxAbsDiff } from '../helpers/numeric.js';

function values(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.13) * 2 + (i % 5));
}

const identity = (x: tf.Tensor): tf.Tensor => tf.clone(x);

describeEachBackend('tiledPredict', () => {
  it('returns the image with an identity predictor from a tensor, an array and a tile reader', async () => {
    const [H, W, C] = [40, 37, 2];
    const data = values(H * W * C);
    const tensor = tf.tensor3d(data, [H, W, C]);
    const fromTensor = (await expectNoLeak(() => tiledPredict(identity, tensor, { tileSize: 16, overlap: 0.25 }))) as tf.Tensor;
    expect(fromTensor.shape).toEqual([H, W, C]);
    expect(maxAbsDiff(await fromTensor.data(), data)).toBeLessThan(1e-4);
    const fromArray = (await tiledPredict(identity, { shape: [H, W, C], data }, { tileSize: [16, 8], output: 'array' })) as ArrayImage;
    expect(fromArray.shape).toEqual([H, W, C]);
    expect(maxAbsDiff(fromArray.data, data)).toBeLessThan(1e-4);
    const reads: number[][] = [];
    const reader = {
      shape: [H, W, C] as [number, number, number],
      readTile: (y: number, x: number, h: number, w: number): Float32Array => {
        reads.push([y, x, h, w]);
        const out = new Float32Array(h * w * C);
        for (let r = 0; r < h; r++) out.set(data.subarray(((y + r) * W + x) * C, ((y + r) * W + x + w) * C), r * w * C);
        return out;
      },
    };
    const fromReader = (await tiledPredict(identity, reader, { tileSize: 16, overlap: 0.5, blend: 'constant' })) as tf.Tensor;
    expect(maxAbsDiff(await fromReader.data(), data)).toBeLessThan(1e-4);
    // 40 with tile 16, overlap 0.5: starts 0, 8, 16, 24 (24 + 16 = 40); 37: 0, 8, 16, 21 -> 16 tiles, row-major.
    expect(reads.length).toBe(16);
    expect(reads.slice(0, 5).map((r) => r.slice(0, 2))).toEqual([
      [0, 0],
      [0, 8],
      [0, 16],
      [0, 21],
      [8, 0],
    ]);
    tf.dispose([fromTensor, fromReader, tensor]);
  });

  it('equals slidingWindowInference with the same window, overlap and blend', async () => {
    const image = tf.tensor4d(values(1 * 30 * 26 * 1), [1, 30, 26, 1]);
    const nonlinear = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.concat([tf.sigmoid(x), tf.square(x)], -1));
    const a = (await tiledPredict(nonlinear, image, { tileSize: 12, overlap: 0.5, batchSize: 3 })) as tf.Tensor;
    const b = await slidingWindowInference(nonlinear, image, { roiSize: 12, overlap: 0.5 });
    expect(a.shape).toEqual([1, 30, 26, 2]);
    expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThan(1e-5);
    tf.dispose([a, b, image]);
  });

  it('pads an image smaller than the tile and crops back', async () => {
    const data = values(5 * 20 * 1);
    let seenShape: number[] = [];
    const spy = (x: tf.Tensor): tf.Tensor => {
      seenShape = x.shape;
      return tf.clone(x);
    };
    const out = (await tiledPredict(spy, { shape: [5, 20, 1], data }, { tileSize: 8, output: 'array' })) as ArrayImage;
    expect(seenShape).toEqual([1, 8, 8, 1]);
    expect(out.shape).toEqual([5, 20, 1]);
    expect(maxAbsDiff(out.data, data)).toBeLessThan(1e-4);
  });

  it('streams: at most one batch of tiles is alive on the device', async () => {
    // 96 x 96 in 8 x 8 tiles with overlap 0.25: interval 6 -> 16 x 16 = 256 tiles.
    const data = values(96 * 96);
    const baseline = tf.memory().numTensors;
    let peak = 0;
    let tiles = 0;
    const watch = (x: tf.Tensor): tf.Tensor => {
      tiles += x.shape[0]!;
      peak = Math.max(peak, tf.memory().numTensors - baseline);
      return tf.clone(x);
    };
    const out = (await tiledPredict(watch, { shape: [96, 96, 1], data }, { tileSize: 8, batchSize: 4, output: 'array' })) as ArrayImage;
    expect(tiles).toBe(256);
    // The batch tensor is the only one alive when the predictor runs.
    expect(peak).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(out.data, data)).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('keeps a batched [1, H, W, C] tensor source batched', async () => {
    const image = tf.tensor4d(values(20 * 20 * 3), [1, 20, 20, 3]);
    const out = (await tiledPredict(identity, image, { tileSize: 16 })) as tf.Tensor;
    expect(out.shape).toEqual([1, 20, 20, 3]);
    expect(maxAbsDiff(await out.data(), await image.data())).toBeLessThan(1e-4);
    tf.dispose([out, image]);
  });

  it('rejects bad sources and options', async () => {
    await expect(tiledPredict(identity, { shape: [4, 4, 1], data: new Float32Array(15) })).rejects.toThrow(
      /tiledPredict: source.data has 15 values; expected H \* W \* C = 16/,
    );
    const four = tf.zeros([2, 4, 4, 1]);
    await expect(tiledPredict(identity, four)).rejects.toThrow(/source is tensor of shape \[2, 4, 4, 1\]; expected a tensor \[H, W, C\] or \[1, H, W, C\]/);
    four.dispose();
    await expect(tiledPredict(identity, { shape: [4, 4] } as never)).rejects.toThrow(/source.shape/);
    const bad = { shape: [8, 8, 1] as [number, number, number], readTile: () => tf.zeros([2, 2, 1]) };
    const before = tf.memory().numTensors;
    await expect(tiledPredict(identity, bad, { tileSize: 4 })).rejects.toThrow(/source.readTile returned shape \[2, 2, 1\] for \(0, 0, 4, 4\); expected \[4, 4, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(tiledPredict(identity, { shape: [4, 4, 1], data: new Float32Array(16) }, { tileSzie: 4 } as never)).rejects.toThrow(/Did you mean 'tileSize'/);
    await expect(tiledPredict(identity, { shape: [4, 4, 1], data: new Float32Array(16) }, { output: 'arrays' as never })).rejects.toThrow(/Did you mean 'array'/);
  });
});
