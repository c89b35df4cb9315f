import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { overlapTilePredict } from '../../src/inference/overlapTile.js';
import { unet } from '../../src/models/unet.js';
import { padSpatial } from '../../src/ops/border.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { maxAbsDiff } from '../helpers/numeric.js';

// Tiny valid-padding U-Nets with random weights. Seamlessness needs the output tile to be a
// multiple of the pooling grid 2^depth: depth 2 with 2 convs per level has margin
// 2 * (3 * 4 - 2) = 20 and tiles 48 -> 8; depth 1 with 1 conv per level has margin 4 and 12 -> 4.
const net2d = () => unet({ inputShape: [null, null, 1], numClasses: 2, filters: [2, 4, 8], norm: 'none', padding: 'valid', seed: 11 });
const net3d = () =>
  unet({ inputShape: [null, null, null, 2], numClasses: 3, spatialDims: 3, filters: [2, 4], convsPerLevel: 1, norm: 'none', padding: 'valid', seed: 12 });

function randomImage(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/**
 * The reference: one prediction on the whole image mirror-padded by the margin (and up to a
 * whole number of output tiles), cropped back; possible here because that padded size is a
 * valid input.
 */
function singlePass(model: { predict(x: tf.Tensor): unknown }, image: tf.Tensor, margin: number, tile: number): tf.Tensor {
  return tf.tidy(() => {
    const spatial = image.shape.slice(1, -1);
    const pads = spatial.map((s) => [margin, margin + Math.ceil(s / tile) * tile - s] as [number, number]);
    const out = model.predict(padSpatial(image, pads, 'reflect')) as tf.Tensor;
    return tf.slice(out, out.shape.map(() => 0), [image.shape[0]!, ...spatial, out.shape[out.rank - 1]!]);
  });
}

describeEachBackend('overlapTilePredict', () => {
  it('2D: 3 x 3 tiles of 8 (inputs of 48) equal one pass on the mirror-padded 64 x 64 image within 1e-5; no leaks', async () => {
    const model = net2d();
    const image = randomImage([1, 20, 18, 1], 1);
    const expected = singlePass(model, image, 20, 8);
    expect(expected.shape).toEqual([1, 20, 18, 2]);
    const progress: Array<[number, number]> = [];
    const tiled = await expectNoLeak(() => overlapTilePredict(model, image, { tileSize: 48, onProgress: (d, t) => progress.push([d, t]) }));
    expect(tiled.shape).toEqual([1, 20, 18, 2]);
    expect(maxAbsDiff(await tiled.data(), await expected.data())).toBeLessThan(1e-5);
    expect(progress).toEqual(Array.from({ length: 9 }, (_, i) => [i + 1, 9]));
    // Not a constant map: the comparison has something to compare.
    const values = Array.from(await tiled.data());
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(1e-3);
    tf.dispose([image, expected, tiled]);
    model.dispose();
  });

  it('2D: odd sizes, two samples, 4 tiles per call and a function predictor give the same stitching', async () => {
    const model = net2d();
    const image = randomImage([2, 13, 7, 1], 2);
    const expected = singlePass(model, image, 20, 8);
    const fromModel = await overlapTilePredict(model, image, { tileSize: [48, 48], batchSize: 4 });
    const fromFunction = await overlapTilePredict((b) => model.predict(b) as tf.Tensor, image, { tileSize: 48 });
    expect(fromModel.shape).toEqual([2, 13, 7, 2]);
    expect(maxAbsDiff(await fromModel.data(), await expected.data())).toBeLessThan(1e-5);
    expect(maxAbsDiff(await fromFunction.data(), await expected.data())).toBeLessThan(1e-5);
    tf.dispose([image, expected, fromModel, fromFunction]);
    model.dispose();
  });

  it('3D: 3 x 2 x 2 tiles of 4^3 (inputs of 12^3, 2 channels) equal one pass on the mirror-padded volume; no leaks', async () => {
    const model = net3d();
    const image = randomImage([1, 9, 7, 5, 2], 3);
    const expected = singlePass(model, image, 4, 4);
    const tiled = await expectNoLeak(() => overlapTilePredict(model, image, { tileSize: 12, batchSize: 5 }));
    expect(tiled.shape).toEqual([1, 9, 7, 5, 3]);
    expect(maxAbsDiff(await tiled.data(), await expected.data())).toBeLessThan(1e-5);
    tf.dispose([image, expected, tiled]);
    model.dispose();
  });
});

describe('overlapTilePredict on its own terms', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("reads the tile size from a fixed-size model, and mirrors the border: an identity 'network' of margin 0 returns the image", async () => {
    const model = unet({ inputShape: [48, 48, 1], numClasses: 2, filters: [2, 4, 8], norm: 'none', padding: 'valid', seed: 11 });
    const reference = net2d();
    reference.setWeights(model.getWeights());
    const image = randomImage([1, 10, 9, 1], 4);
    const expected = singlePass(reference, image, 20, 8);
    const tiled = await overlapTilePredict(model, image);
    expect(maxAbsDiff(await tiled.data(), await expected.data())).toBeLessThan(1e-5);
    const same = await overlapTilePredict((b) => b, image, { tileSize: 4 });
    expect(Array.from(await same.data())).toEqual(Array.from(await image.data()));
    tf.dispose([image, expected, tiled, same]);
    model.dispose();
    reference.dispose();
  });

  it('gives the edge tiles the border asked for: reflect (default), symmetric, constant', async () => {
    // A "network" of margin 1 whose output pixel is its left neighbour: for the row [1, 2, 3] the
    // first pixel reads the padding, 2 when mirrored without the edge, 1 with it, padValue else.
    const leftNeighbour = (b: tf.Tensor) => tf.slice(b, [0, 1, 0, 0], [b.shape[0]!, 1, 1, 1]);
    const image = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const row = async (options: object) => {
      const out = await overlapTilePredict(leftNeighbour, image, { tileSize: 3, ...options });
      const values = Array.from(await out.data());
      out.dispose();
      return values;
    };
    expect(await row({})).toEqual([2, 1, 2]);
    expect(await row({ padMode: 'symmetric' })).toEqual([1, 1, 2]);
    expect(await row({ padMode: 'constant', padValue: 9 })).toEqual([9, 1, 2]);
    image.dispose();
  });

  it('rejects bad arguments and inconsistent predictors with UnetKitError, leaking nothing', async () => {
    const image = tf.zeros([1, 8, 8, 1]);
    const nullSized = net2d();
    const before = tf.memory().numTensors;
    await expect(overlapTilePredict(nullSized, image)).rejects.toThrow(
      'overlapTilePredict: options.tileSize is undefined; expected the input tile size (2 positive integers or one) for a predictor without a fixed input size.',
    );
    await expect(overlapTilePredict(nullSized, tf.zeros([8, 8, 1]) as never, { tileSize: 48 })).rejects.toThrow(/image has shape \[8, 8, 1\] \(rank 3\); expected rank 4 or 5/);
    await expect(overlapTilePredict(nullSized, image, { tileSize: [48, 48, 48] })).rejects.toThrow(/options.tileSize/);
    await expect(overlapTilePredict(nullSized, image, { tileSize: 48, padMode: 'mirror' as never })).rejects.toThrow(/options.padMode is 'mirror'; expected one of/);
    await expect(overlapTilePredict(nullSized, image, { tileSize: 48, overlap: 0.5 } as never)).rejects.toThrow(/options.overlap is not a known option/);
    await expect(overlapTilePredict(42 as never, image, { tileSize: 48 })).rejects.toThrow(/predictor is 42; expected a tf.LayersModel or a function/);
    // An odd margin (9 -> 8) cannot be split evenly between the two sides.
    const odd = (b: tf.Tensor) => tf.slice(b, [0, 0, 0, 0], [b.shape[0]!, 8, 8, 1]);
    await expect(overlapTilePredict(odd, image, { tileSize: 9 })).rejects.toThrow(
      'overlapTilePredict: predictor maps input tiles [1, 9, 9, 1] to [1, 8, 8, 1]; expected [1, ...outputTile, K] with each output size no larger than the tile and smaller by an even margin (the same on both sides).',
    );
    const grow = (b: tf.Tensor) => tf.tile(b, [1, 2, 2, 1]);
    await expect(overlapTilePredict(grow, image, { tileSize: 4 })).rejects.toThrow(/predictor maps input tiles \[1, 4, 4, 1\] to \[1, 8, 8, 1\]/);
    // A predictor whose output changes shape between calls.
    let calls = 0;
    const drifting = (b: tf.Tensor) => (calls++ === 0 ? tf.clone(b) : tf.slice(b, [0, 1, 1, 0], [b.shape[0]!, 2, 2, 1]));
    await expect(overlapTilePredict(drifting, image, { tileSize: 4 })).rejects.toThrow(/expected \[1, \.\.\.outputTile, K\] with outputTile \[4, 4\] on every call/);
    await expect(overlapTilePredict(() => [], image, { tileSize: 4 })).rejects.toThrow(/predictor returned 0 output\(s\) and no tensor at outputIndex 0/);
    // 46 is not a valid size for depth 2 (46 + 4 is not divisible by 4): the net fails inside.
    await expect(overlapTilePredict(nullSized, image, { tileSize: 46 })).rejects.toThrow(
      /overlapTilePredict: options.tileSize is \[46, 46\] and the predictor failed on a tile of that size \(for a valid-padding unet, use sizes validUNetSizes accepts\): .*concat/,
    );
    expect(tf.memory().numTensors).toBe(before + 1); // the rank-3 zeros made above
    image.dispose();
    nullSized.dispose();
  });
});
