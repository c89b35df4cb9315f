import * as tf from '@tensorflow/tfjs-core';
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
import { BORDER_MODES, padSpatial, type BorderMode } from '../ops/border.js';
import { BLEND_MODES, importanceMapData, type BlendMode } from './importanceMap.js';
import { toPredictFn, type Predictor } from './predictor.js';
import { runWindows, type ProgressFn } from './windowEngine.js';
import { windowStarts } from './windows.js';

/** Options of {@link slidingWindowInference}. */
export interface SlidingWindowOptions {
  /**
   * Window size: one number for every spatial axis or `[H, W]` / `[D, H, W]`. Required. An entry
   * `<= 0` means the whole image along that axis (MONAI's `roi_size` rule).
   */
  roiSize: number | number[];
  /** Fraction of a window shared with its neighbour along each axis, in [0, 1). Default 0.5 (nnU-Net / MONAI). */
  overlap?: number;
  /** `'gaussian'` (default) or `'constant'` weighting of each window's voxels. */
  blend?: BlendMode;
  /** Gaussian sigma as a fraction of the window size. Default 0.125. */
  sigmaScale?: number;
  /** Windows predicted per call of the network. Default 4. */
  batchSize?: number;
  /** How an image smaller than the window is padded (numpy.pad names). Default `'constant'`. */
  padMode?: BorderMode;
  /** Fill value for `padMode: 'constant'`. Default 0. */
  padValue?: number;
  /**
   * Which output of a multi-output (deep supervision) network to blend. Default: the first
   * output whose spatial size equals the window's, i.e. the full-resolution head.
   */
  outputIndex?: number;
  /** Called after each batch with (windows done, windows in all). */
  onProgress?: ProgressFn;
}

const KEYS = ['roiSize', 'overlap', 'blend', 'sigmaScale', 'batchSize', 'padMode', 'padValue', 'outputIndex', 'onProgress'];

/** Validated sliding-window options. Internal. */
export interface ResolvedWindowOptions {
  roi: number[];
  overlap: number;
  blend: BlendMode;
  sigmaScale: number;
  batchSize: number;
  padMode: BorderMode;
  padValue: number;
  outputIndex: number | undefined;
  onProgress: ProgressFn | undefined;
}

/** Validates {@link SlidingWindowOptions} for `spatialDims` axes. Internal helper. */
export function resolveWindowOptions(fn: string, options: unknown, spatialDims: number, argument = 'options'): ResolvedWindowOptions {
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(fn, argument, options, 'an options object with at least roiSize');
  }
  assertOptionsObject(fn, options, argument);
  assertKnownKeys(fn, options, KEYS, argument);
  const {
    roiSize,
    overlap = 0.5,
    blend = 'gaussian',
    sigmaScale = 0.125,
    batchSize = 4,
    padMode = 'constant',
    padValue = 0,
    outputIndex,
    onProgress,
  } = options as SlidingWindowOptions;
  let roi: number[];
  if (typeof roiSize === 'number') {
    assertInteger(fn, `${argument}.roiSize`, roiSize);
    roi = Array.from({ length: spatialDims }, () => roiSize);
  } else {
    assertNumberArray(fn, `${argument}.roiSize`, roiSize, { integer: true }, spatialDims);
    roi = [...roiSize];
  }
  assertNumber(fn, `${argument}.overlap`, overlap, { min: 0, max: 1, maxExclusive: true });
  assertOneOf(fn, `${argument}.blend`, blend, BLEND_MODES);
  assertNumber(fn, `${argument}.sigmaScale`, sigmaScale, { min: 0, minExclusive: true });
  assertInteger(fn, `${argument}.batchSize`, batchSize, { min: 1 });
  assertOneOf(fn, `${argument}.padMode`, padMode, BORDER_MODES);
  assertNumber(fn, `${argument}.padValue`, padValue);
  if (outputIndex !== undefined) assertInteger(fn, `${argument}.outputIndex`, outputIndex, { min: 0 });
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    fail(fn, `${argument}.onProgress`, onProgress, 'a function (done, total) => void');
  }
  return { roi, overlap, blend, sigmaScale, batchSize, padMode, padValue, outputIndex, onProgress };
}

/**
 * Predicts an image or volume larger (or smaller) than the network's window by sliding
 * windows over it, as MONAI's `sliding_window_inference` and nnU-Net's predictor do:
 *
 * - windows of `roiSize` every `floor(roi * (1 - overlap))` voxels, the last one shifted back
 *   to end at the edge ({@link windowStarts});
 * - each window's prediction weighted by the importance map ({@link importanceMap}: a gaussian
 *   with sigma `0.125 * roi`, clamped to at least 1e-3, or constant), and the result
 *   `sum(w * pred) / sum(w)` per voxel;
 * - windows predicted `batchSize` at a time, the sums kept in CPU typed arrays (one
 *   output-sized buffer, never all windows at once);
 * - an image smaller than the window along an axis is padded (centred, `padMode`) and the
 *   output cropped back: the output always has the input's spatial size.
 *
 * The data module's `extractPatches` / `reassemblePatches` pair differs: nnU-Net's evenly spaced
 * starts (`patchStarts`) and its normalized gaussian (`gaussianImportance`), and it blends
 * predictions already made for every patch at once rather than running the network itself.
 *
 * Multi-output (deep supervision) networks: the blended output is `outputIndex` when given,
 * else the first output with the window's spatial size (the full-resolution head). The network
 * must keep the spatial size (a segmentation network); its channel count may differ from the
 * input's. Feed probabilities (apply softmax/sigmoid in the network or the function) when you
 * want averaged probabilities; logits are averaged as they are.
 *
 * @param predictor - a `tf.LayersModel` or a function `[B, ...roi, C] -> [B, ...roi, K]`.
 * @param input - `[N, H, W, C]` (2D) or `[N, D, H, W, C]` (3D).
 * @returns a float32 tensor `[N, H, W, K]` / `[N, D, H, W, K]` (the caller disposes it).
 * @example
 * ```ts
 * const probs = await slidingWindowInference(model, image, { roiSize: [96, 96], overlap: 0.5 });
 * ```
 */
export async function slidingWindowInference(predictor: Predictor, input: tf.Tensor, options: SlidingWindowOptions): Promise<tf.Tensor> {
  const fn = 'slidingWindowInference';
  const predict = toPredictFn(fn, predictor);
  assertRank(fn, 'input', input, [4, 5], '[N, H, W, C] for 2D or [N, D, H, W, C] for 3D');
  if (input.isDisposed) fail(fn, 'input', input, 'a live tensor (this one is disposed)');
  const spatialDims = input.rank - 2;
  const resolved = resolveWindowOptions(fn, options, spatialDims);
  const spatial = input.shape.slice(1, -1);
  // A non-positive roi entry is the whole axis, as MONAI's fall_back_tuple.
  const opts = { ...resolved, roi: resolved.roi.map((r, i) => (r <= 0 ? spatial[i]! : r)) };
  const samples = input.shape[0]!;
  const channels = input.shape[input.rank - 1]!;
  if (samples === 0 || spatial.some((s) => s === 0) || channels === 0) fail(fn, 'input', input, 'a non-empty tensor');

  const domain = spatial.map((s, i) => Math.max(s, opts.roi[i]!));
  const pads = spatial.map((s, i): [number, number] => {
    const diff = domain[i]! - s;
    return [Math.floor(diff / 2), diff - Math.floor(diff / 2)];
  });
  const needsPad = pads.some(([b, a]) => b + a > 0);
  const source = needsPad ? tf.tidy(() => padSpatial(tf.cast(input, 'float32'), pads, opts.padMode, opts.padValue)) : input;
  try {
    const result = await runWindows({
      fn,
      domain,
      roi: opts.roi,
      starts: domain.map((size, i) => windowStarts(size, opts.roi[i]!, opts.overlap)),
      samples,
      fetch: (items) =>
        tf.tidy(() =>
          tf.cast(
            tf.concat(
              items.map((item) => tf.slice(source, [item.sample, ...item.start, 0], [1, ...opts.roi, channels])),
              0,
            ),
            'float32',
          ),
        ),
      predict,
      outputIndex: opts.outputIndex,
      weights: importanceMapData(opts.roi, opts.blend, opts.sigmaScale, 1e-3),
      batchSize: opts.batchSize,
      onProgress: opts.onProgress,
      crop: { offset: pads.map(([b]) => b), size: spatial },
    });
    return tf.tensor(result.data, [samples, ...spatial, result.channels], 'float32');
  } finally {
    if (source !== input) source.dispose();
  }
}
