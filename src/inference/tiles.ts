import * as tf from '@tensorflow/tfjs-core';
import {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOneOf,
  assertOptionsObject,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { BLEND_MODES, importanceMapData, type BlendMode } from './importanceMap.js';
import { toPredictFn, type Predictor } from './predictor.js';
import { runWindows, type ProgressFn } from './windowEngine.js';
import { windowStarts } from './windows.js';

/** A 2D image held as a channels-last (`[H, W, C]`, row-major, interleaved) typed array. */
export interface ArrayImage {
  shape: [number, number, number];
  data: ArrayLike<number>;
}

/**
 * A 2D image too large to hold: `readTile(y, x, h, w)` returns the `[h, w, C]` region whose
 * top-left corner is `(y, x)`, as a tensor (disposed after use) or a typed array.
 */
export interface TileReader {
  shape: [number, number, number];
  readTile(y: number, x: number, height: number, width: number): tf.Tensor | ArrayLike<number>;
}

/** What {@link tiledPredict} reads from: a tensor `[H, W, C]` / `[1, H, W, C]`, an {@link ArrayImage} or a {@link TileReader}. */
export type TileSource = tf.Tensor | ArrayImage | TileReader;

/** Options of {@link tiledPredict}. */
export interface TiledPredictOptions {
  /** Tile size, one number or `[h, w]`. Default 512. */
  tileSize?: number | [number, number];
  /** Fraction of a tile shared with its neighbour, in [0, 1). Default 0.25 (cheaper than 0.5 on huge images). */
  overlap?: number;
  /** `'gaussian'` (default) or `'constant'` blending of overlapping tiles. */
  blend?: BlendMode;
  /** Gaussian sigma as a fraction of the tile size. Default 0.125. */
  sigmaScale?: number;
  /** Tiles predicted per network call. Default 1. */
  batchSize?: number;
  /** Fill value for images smaller than a tile. Default 0. */
  padValue?: number;
  /** Output of a multi-output network to use; default the first with the tile's spatial size. */
  outputIndex?: number;
  /** `'tensor'` (default): a float32 tensor. `'array'`: an {@link ArrayImage} with a Float32Array, no tensor made. */
  output?: 'tensor' | 'array';
  /** Called after each batch with (tiles done, tiles in all). */
  onProgress?: ProgressFn;
}

const KEYS = ['tileSize', 'overlap', 'blend', 'sigmaScale', 'batchSize', 'padValue', 'outputIndex', 'output', 'onProgress'];

function sourceShape(fn: string, source: unknown): { shape: [number, number, number]; batched: boolean } {
  if (source instanceof tf.Tensor) {
    if (source.isDisposed) fail(fn, 'source', source, 'a live tensor (this one is disposed)');
    if (source.rank === 3) return { shape: source.shape as [number, number, number], batched: false };
    if (source.rank === 4 && source.shape[0] === 1) return { shape: source.shape.slice(1) as [number, number, number], batched: true };
    fail(fn, 'source', source, 'a tensor [H, W, C] or [1, H, W, C]');
  }
  if (source !== null && typeof source === 'object' && 'shape' in source) {
    const { shape } = source as { shape: unknown };
    assertNumberArray(fn, 'source.shape', shape, { min: 1, integer: true }, 3);
    const hasData = 'data' in source && (source as ArrayImage).data !== undefined;
    const hasReader = typeof (source as TileReader).readTile === 'function';
    if (hasData) {
      const length = (source as ArrayImage).data.length;
      const expected = shape[0]! * shape[1]! * shape[2]!;
      if (length !== expected) {
        throw new UnetKitError(fn, 'source.data', `has ${length} values; expected H * W * C = ${expected} for shape [${shape.join(', ')}].`);
      }
      return { shape: shape as [number, number, number], batched: false };
    }
    if (hasReader) return { shape: shape as [number, number, number], batched: false };
  }
  return fail(fn, 'source', source, 'a tensor [H, W, C], { shape: [H, W, C], data } or { shape: [H, W, C], readTile(y, x, h, w) }');
}

/** Reads the `[h, w, C]` region at (y, x) of `source` as a float32 tensor. */
function readRegion(fn: string, source: TileSource, batched: boolean, channels: number, y: number, x: number, h: number, w: number): tf.Tensor {
  if (source instanceof tf.Tensor) {
    return batched ? tf.reshape(tf.slice(source, [0, y, x, 0], [1, h, w, channels]), [h, w, channels]) : tf.slice(source, [y, x, 0], [h, w, channels]);
  }
  if ('data' in source && source.data !== undefined) {
    const width = source.shape[1];
    const out = new Float32Array(h * w * channels);
    for (let r = 0; r < h; r++) {
      const from = ((y + r) * width + x) * channels;
      for (let i = 0; i < w * channels; i++) out[r * w * channels + i] = source.data[from + i]!;
    }
    return tf.tensor3d(out, [h, w, channels]);
  }
  const tile = (source as TileReader).readTile(y, x, h, w);
  if (tile instanceof tf.Tensor) {
    if (tile.rank !== 3 || tile.shape[0] !== h || tile.shape[1] !== w || tile.shape[2] !== channels) {
      const shape = [...tile.shape];
      tile.dispose();
      throw new UnetKitError(fn, 'source.readTile', `returned shape [${shape.join(', ')}] for (${y}, ${x}, ${h}, ${w}); expected [${h}, ${w}, ${channels}].`);
    }
    return tile;
  }
  if (tile === null || typeof tile !== 'object' || typeof (tile as ArrayLike<number>).length !== 'number' || tile.length !== h * w * channels) {
    throw new UnetKitError(fn, 'source.readTile', `returned ${tile === null || typeof tile !== 'object' ? String(tile) : `${tile.length} values`}; expected a tensor [${h}, ${w}, ${channels}] or ${h * w * channels} values.`);
  }
  return tf.tensor3d(Float32Array.from(tile), [h, w, channels]);
}

/**
 * Predicts a very large 2D image (e.g. a 4096 x 4096 slide in 512 x 512 tiles) by streaming
 * overlapping tiles through the network: tiles are read (from a tensor, a typed array or a
 * tile reader for images that do not fit in memory) and predicted `batchSize` at a time in
 * row-major order, and blended into CPU typed arrays, so at most one batch of tiles exists on
 * the device at once and no list of windows is ever held. The blending is that of
 * {@link slidingWindowInference} (gaussian weights, `sum(w * pred) / sum(w)`, last tile
 * shifted back to the edge); images smaller than a tile are zero-padded and cropped back.
 *
 * @param predictor - a `tf.LayersModel` or a function `[B, h, w, C] -> [B, h, w, K]`.
 * @param source - `[H, W, C]` / `[1, H, W, C]` tensor, `{ shape, data }` or `{ shape, readTile }`.
 * @returns `[H, W, K]` (or `[1, H, W, K]` for a batched tensor source) float32 tensor, or with
 * `output: 'array'` an `{ shape: [H, W, K], data: Float32Array }`.
 * @example
 * ```ts
 * const probs = await tiledPredict(model, { shape: [4096, 4096, 3], data: rgb }, { tileSize: 512, overlap: 0.25 });
 * ```
 */
export async function tiledPredict(
  predictor: Predictor,
  source: TileSource,
  options: TiledPredictOptions = {},
): Promise<tf.Tensor | ArrayImage> {
  const fn = 'tiledPredict';
  const predict = toPredictFn(fn, predictor);
  const { shape, batched } = sourceShape(fn, source);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const {
    tileSize = 512,
    overlap = 0.25,
    blend = 'gaussian',
    sigmaScale = 0.125,
    batchSize = 1,
    padValue = 0,
    outputIndex,
    output = 'tensor',
    onProgress,
  } = options;
  let tile: [number, number];
  if (typeof tileSize === 'number') {
    assertInteger(fn, 'options.tileSize', tileSize, { min: 1 });
    tile = [tileSize, tileSize];
  } else {
    assertNumberArray(fn, 'options.tileSize', tileSize, { min: 1, integer: true }, 2);
    tile = [tileSize[0], tileSize[1]];
  }
  assertNumber(fn, 'options.overlap', overlap, { min: 0, max: 1, maxExclusive: true });
  assertOneOf(fn, 'options.blend', blend, BLEND_MODES);
  assertNumber(fn, 'options.sigmaScale', sigmaScale, { min: 0, minExclusive: true });
  assertInteger(fn, 'options.batchSize', batchSize, { min: 1 });
  assertNumber(fn, 'options.padValue', padValue);
  if (outputIndex !== undefined) assertInteger(fn, 'options.outputIndex', outputIndex, { min: 0 });
  assertOneOf(fn, 'options.output', output, ['tensor', 'array'] as const);
  if (onProgress !== undefined && typeof onProgress !== 'function') fail(fn, 'options.onProgress', onProgress, 'a function (done, total) => void');

  const [height, width, channels] = shape;
  const spatial = [height, width];
  const domain = spatial.map((s, i) => Math.max(s, tile[i]!));
  const before = spatial.map((s, i) => Math.floor((domain[i]! - s) / 2));
  const result = await runWindows({
    fn,
    domain,
    roi: tile,
    starts: domain.map((size, i) => windowStarts(size, tile[i]!, overlap)),
    samples: 1,
    fetch: (items) => {
      const tiles = items.map((item) => {
        // Domain coordinates -> source coordinates; only an image smaller than the tile is padded.
        const y = Math.max(0, item.start[0]! - before[0]!);
        const x = Math.max(0, item.start[1]! - before[1]!);
        const h = Math.min(height, tile[0]);
        const w = Math.min(width, tile[1]);
        const region = readRegion(fn, source, batched, channels, y, x, h, w);
        if (h === tile[0] && w === tile[1]) return region;
        const padded = tf.pad(
          region,
          [
            [before[0]!, tile[0] - h - before[0]!],
            [before[1]!, tile[1] - w - before[1]!],
            [0, 0],
          ],
          padValue,
        );
        region.dispose();
        return padded;
      });
      const batch = tf.tidy(() => tf.stack(tiles.map((t) => tf.cast(t, 'float32')), 0));
      tf.dispose(tiles);
      return batch;
    },
    predict,
    outputIndex,
    weights: importanceMapData(tile, blend, sigmaScale, 1e-3),
    batchSize,
    onProgress,
    crop: { offset: before, size: spatial },
  });
  const outShape: [number, number, number] = [height, width, result.channels];
  if (output === 'array') return { shape: outShape, data: result.data };
  return tf.tensor(result.data, batched ? [1, ...outShape] : outShape, 'float32');
}
