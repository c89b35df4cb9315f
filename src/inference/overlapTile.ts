import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOneOf,
  assertOptionsObject,
  assertRank,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { BORDER_MODES, padSpatial, type BorderMode } from '../ops/border.js';
import { isTensor } from '../ops/isTensor.js';
import { toPredictFn, type Predictor } from './predictor.js';
import type { ProgressFn } from './windowEngine.js';

/** Options of {@link overlapTilePredict}. */
export interface OverlapTileOptions {
  /**
   * Input tile size, one number for every spatial axis or `[H, W]` / `[D, H, W]`: a size the
   * network accepts (for a valid-padding `unet`, one `validUNetSizes` returns). Default: the
   * model's fixed input size; required for functions and models with `null` sizes.
   */
  tileSize?: number | number[];
  /**
   * How the image is extended past its border to give the edge tiles their context. Default
   * `'reflect'`: mirrored without repeating the edge pixel (the paper's Fig. 2).
   */
  padMode?: BorderMode;
  /** Fill value for `padMode: 'constant'`. Default 0. */
  padValue?: number;
  /** Tiles predicted per network call. Default 1. */
  batchSize?: number;
  /** Output of a multi-output network to stitch. Default 0 (the first). */
  outputIndex?: number;
  /** Called after each network call with (tiles done, tiles in all). */
  onProgress?: ProgressFn;
}

const KEYS = ['tileSize', 'padMode', 'padValue', 'batchSize', 'outputIndex', 'onProgress'];

/** The model's fixed spatial input size, or undefined when it has none (a function, `null` sizes). */
function modelTileSize(predictor: Predictor, spatialDims: number): number[] | undefined {
  const inputs = (predictor as Partial<tfl.LayersModel>).inputs;
  const shape = Array.isArray(inputs) && inputs.length === 1 ? inputs[0]!.shape : undefined;
  if (shape === undefined || shape.length !== spatialDims + 2) return undefined;
  const spatial = shape.slice(1, -1);
  return spatial.every((s): s is number => typeof s === 'number') ? spatial : undefined;
}

/** A fixed-size model's output tile for input tiles of `tile`, when its shapes say so. */
function modelOutputTile(predictor: Predictor, tile: readonly number[], outputIndex: number): number[] | undefined {
  const fixed = modelTileSize(predictor, tile.length);
  const outputs = (predictor as Partial<tfl.LayersModel>).outputs;
  const shape = Array.isArray(outputs) ? outputs[outputIndex]?.shape : undefined;
  if (fixed === undefined || !fixed.every((s, i) => s === tile[i]) || shape === undefined || shape.length !== tile.length + 2) return undefined;
  const spatial = shape.slice(1, -1);
  const fits = spatial.every((s, i): s is number => typeof s === 'number' && s >= 1 && s <= tile[i]! && (tile[i]! - s) % 2 === 0);
  return fits ? (spatial as number[]) : undefined;
}

function resolveTileSize(fn: string, tileSize: unknown, predictor: Predictor, spatialDims: number): number[] {
  if (tileSize === undefined) {
    const fixed = modelTileSize(predictor, spatialDims);
    if (fixed === undefined) {
      fail(fn, 'options.tileSize', tileSize, `the input tile size (${spatialDims} positive integers or one) for a predictor without a fixed input size`);
    }
    return fixed;
  }
  if (typeof tileSize === 'number') {
    assertInteger(fn, 'options.tileSize', tileSize, { min: 1 });
    return Array.from({ length: spatialDims }, () => tileSize);
  }
  assertNumberArray(fn, 'options.tileSize', tileSize, { min: 1, integer: true }, spatialDims);
  return [...tileSize];
}

/** Every tile's grid position, the last axis fastest (row-major). */
function gridPositions(counts: readonly number[]): number[][] {
  let positions: number[][] = [[]];
  for (const count of counts) positions = positions.flatMap((p) => Array.from({ length: count }, (_, k) => [...p, k]));
  return positions;
}

/** Concatenates a row-major grid of tiles (`counts` per axis) into one tensor; disposes nothing. */
function stitch(tiles: tf.Tensor[], counts: readonly number[], axis = 1): tf.Tensor {
  if (counts.length === 1) return tiles.length === 1 ? tf.clone(tiles[0]!) : tf.concat(tiles, axis);
  const [count, ...rest] = counts as [number, ...number[]];
  const per = tiles.length / count;
  const rows = Array.from({ length: count }, (_, k) => stitch(tiles.slice(k * per, (k + 1) * per), rest, axis + 1));
  const out = rows.length === 1 ? rows[0]! : tf.concat(rows, axis);
  if (rows.length > 1) tf.dispose(rows);
  return out;
}

/** Runs the predictor on one batch of tiles and returns the chosen output, checked; disposes the rest. */
async function predictTiles(
  fn: string,
  predict: (batch: tf.Tensor) => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>,
  batch: tf.Tensor,
  outputIndex: number,
): Promise<tf.Tensor> {
  const outputs = await predict(batch);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const chosen = list[outputIndex];
  tf.dispose(list.filter((t, i) => i !== outputIndex && isTensor(t) && t !== batch));
  if (!isTensor(chosen)) {
    throw new UnetKitError(fn, 'predictor', `returned ${list.length} output(s) and no tensor at outputIndex ${outputIndex}; expected a tensor [B, ...outputTile, K].`);
  }
  // The caller disposes the batch; an identity predictor must not take its output with it.
  return chosen === batch ? tf.clone(chosen) : chosen;
}

/**
 * Overlap-tile prediction (Ronneberger et al. 2015, Fig. 2) for networks whose output is smaller
 * than their input, such as `unet({ padding: 'valid' })`: the image is cut into output-sized
 * tiles, each predicted from an input tile that adds the network's margin on every side, with
 * the image mirrored past its border (`padMode: 'reflect'`), and the output tiles are placed side
 * by side without blending. The output tile size and margin are found by predicting the first
 * batch: `margin = (tileSize - outputTile) / 2` per axis.
 *
 * Every output pixel sees its full context, so the result has no seams; when the output tile is
 * a multiple of `2^depth` (the pooling grid) and the padded image is itself a valid input, it
 * equals one prediction on the mirror-padded whole image, cropped. 2D and 3D alike.
 *
 * @param predictor - a `tf.LayersModel` or a function `[B, ...tileSize, C] -> [B, ...outputTile, K]`.
 * @param image - `[N, H, W, C]` or `[N, D, H, W, C]`; each sample's tiles go to the network together.
 * @returns `[N, H, W, K]` (or `[N, D, H, W, K]`), float32; the caller disposes it.
 * @example
 * ```ts
 * const net = unet({ inputShape: [572, 572, 1], numClasses: 2, filters: [64, 128, 256, 512, 1024], norm: 'none', padding: 'valid' });
 * const probs = await overlapTilePredict(net, image); // image [1, 1000, 800, 1] -> [1, 1000, 800, 2], 3 x 3 tiles of 388
 * ```
 */
export async function overlapTilePredict(predictor: Predictor, image: tf.Tensor, options: OverlapTileOptions = {}): Promise<tf.Tensor> {
  const fn = 'overlapTilePredict';
  const predict = toPredictFn(fn, predictor);
  if (!isTensor(image)) fail(fn, 'image', image, 'a tensor [N, H, W, C] or [N, D, H, W, C]');
  if (image.isDisposed) fail(fn, 'image', image, 'a live tensor (this one is disposed)');
  assertRank(fn, 'image', image, [4, 5], '[N, H, W, C] or [N, D, H, W, C]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const { padMode = 'reflect', padValue = 0, batchSize = 1, outputIndex = 0, onProgress } = options;
  const spatialDims = image.rank - 2;
  const tile = resolveTileSize(fn, options.tileSize, predictor, spatialDims);
  assertOneOf(fn, 'options.padMode', padMode, BORDER_MODES);
  assertNumber(fn, 'options.padValue', padValue);
  assertInteger(fn, 'options.batchSize', batchSize, { min: 1 });
  assertInteger(fn, 'options.outputIndex', outputIndex, { min: 0 });
  if (onProgress !== undefined && typeof onProgress !== 'function') fail(fn, 'options.onProgress', onProgress, 'a function (done, total) => void');

  const [samples, ...rest] = image.shape as [number, ...number[]];
  const spatial = rest.slice(0, -1);
  const channels = rest[rest.length - 1]!;
  const expectTile = (t: tf.Tensor, count: number, outTile: number[] | undefined): void => {
    const ok =
      t.rank === spatialDims + 2 &&
      t.shape[0] === count * samples &&
      (outTile === undefined ? t.shape.slice(1, -1).every((s, i) => s >= 1 && s <= tile[i]! && (tile[i]! - s) % 2 === 0) : outTile.every((s, i) => t.shape[i + 1] === s));
    if (!ok) {
      const shape = [...t.shape];
      t.dispose();
      throw new UnetKitError(
        fn,
        'predictor',
        `maps input tiles [${count * samples}, ${tile.join(', ')}, ${channels}] to [${shape.join(', ')}]; expected [${count * samples}, ...outputTile, K] ` +
          `with ${outTile === undefined ? 'each output size no larger than the tile and smaller by an even margin (the same on both sides)' : `outputTile [${outTile.join(', ')}] on every call`}.`,
      );
    }
  };

  const outTile = modelOutputTile(predictor, tile, outputIndex) ?? (await probeOutputTile());
  async function probeOutputTile(): Promise<number[]> {
    // Cutting the first tile needs the margin, so a function (or a model with null sizes) is
    // probed once on zeros: a valid-padding net's geometry does not depend on the values.
    const probe = tf.zeros([samples, ...tile, channels]);
    let probed: tf.Tensor;
    try {
      probed = await predictTiles(fn, predict, probe, outputIndex);
    } catch (error) {
      if (error instanceof UnetKitError) throw error;
      // A valid-padding net with null sizes fails deep inside (a concat of mismatched sizes)
      // when the tile size is not one it accepts: say which argument to change.
      throw new UnetKitError(
        fn,
        'options.tileSize',
        `is [${tile.join(', ')}] and the predictor failed on a tile of that size (for a valid-padding unet, use sizes validUNetSizes accepts): ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      probe.dispose();
    }
    expectTile(probed, 1, undefined);
    const shape = probed.shape.slice(1, -1);
    probed.dispose();
    return shape;
  }
  const margin = tile.map((t, i) => (t - outTile[i]!) / 2);
  const counts = spatial.map((s, i) => Math.ceil(s / outTile[i]!));
  const pads = spatial.map((s, i) => [margin[i]!, margin[i]! + counts[i]! * outTile[i]! - s] as [number, number]);
  const padded = tf.tidy(() => padSpatial(tf.cast(image, 'float32'), pads, padMode, padValue));
  const positions = gridPositions(counts);
  const outputs: tf.Tensor[] = [];
  try {
    for (let first = 0; first < positions.length; first += batchSize) {
      const group = positions.slice(first, first + batchSize);
      const batch = tf.tidy(() =>
        tf.concat(
          group.map((p) => tf.slice(padded, [0, ...p.map((k, i) => k * outTile[i]!), 0], [samples, ...tile, channels])),
          0,
        ),
      );
      let out: tf.Tensor;
      try {
        out = await predictTiles(fn, predict, batch, outputIndex);
      } finally {
        batch.dispose();
      }
      expectTile(out, group.length, outTile);
      const parts = tf.tidy(() => {
        const float = tf.cast(out, 'float32');
        return group.length === 1 ? [float] : tf.split(float, group.length, 0);
      });
      out.dispose();
      outputs.push(...parts);
      onProgress?.(first + group.length, positions.length);
    }
    return tf.tidy(() => {
      const whole = stitch(outputs, counts);
      return tf.slice(whole, Array.from({ length: whole.rank }, () => 0), [samples, ...spatial, whole.shape[whole.rank - 1]!]);
    });
  } finally {
    padded.dispose();
    tf.dispose(outputs);
  }
}
