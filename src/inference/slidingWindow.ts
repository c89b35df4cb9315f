import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  assertBoolean,
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
import { toPredictFn, type OutputStructure, type Predictor, type PredictorOutputs } from './predictor.js';
import { runWindows, runWindowsAll, type ProgressFn, type WindowHeadResult, type WindowRun } from './windowEngine.js';
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

/**
 * Options of {@link slidingWindowInference} stitching every output of the predictor (MONAI's
 * multi-output `sliding_window_inference`).
 */
export interface MultiOutputWindowOptions extends Omit<SlidingWindowOptions, 'outputIndex'> {
  /**
   * Stitch every output the predictor returns (one tensor, an array or a record of tensors,
   * each at any resolution consistent with the window) and return them in the same structure.
   */
  multiOutput: true;
}

/**
 * Options of {@link slidingWindowInference} returning the result as a host array: no output
 * tensor is made, so the peak memory holds the stitched output once (on wasm a tensor would be a
 * second, backend-side copy of it).
 */
export interface ArrayOutputWindowOptions extends SlidingWindowOptions {
  /** `'array'`: a {@link PredictionArray} instead of a tensor. (`'tensor'`, the default, is accepted too.) */
  output: 'array';
}

/** A stitched prediction as a row-major float32 array of `shape` (`[N, H, W, K]` / `[N, D, H, W, K]`, channels last). */
export interface PredictionArray {
  shape: number[];
  data: Float32Array;
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
 * - windows predicted `batchSize` at a time, one batch on the backend at a time, and `w * pred`
 *   summed in one output-sized CPU `Float32Array` (never all windows; `sum(w)` is rebuilt a
 *   plane at a time, so there is no volume-sized weight buffer), normalized in place;
 * - bounded memory: input, one output-sized sum and one batch of windows. A 512x512x300 float32
 *   volume, 96^3 windows, overlap 0.5 and two output channels needs the 315 MB input, the 629 MB
 *   sum, and for the returned tensor a backend copy of it (on wasm; the cpu backend shares the
 *   array); `output: 'array'` returns the sum itself as a {@link PredictionArray} and skips that
 *   copy (`bench/slidingWindow.ts` measures windows per second and peak RSS);
 * - an image smaller than the window along an axis is padded (centred, `padMode`) and the
 *   output cropped back: the output always has the input's spatial size.
 *
 * The data module's `extractPatches` / `reassemblePatches` pair differs: nnU-Net's evenly spaced
 * starts (`patchStarts`) and its normalized gaussian (`gaussianImportance`), and it blends
 * predictions already made for every patch at once rather than running the network itself.
 *
 * Multi-output (deep supervision) networks: by default one output is blended, `outputIndex`
 * when given, else the first output with the window's spatial size (the full-resolution head);
 * that output must keep the window's spatial size. Its channel count may differ from the
 * input's. Feed probabilities (apply softmax/sigmoid in the network or the function) when you
 * want averaged probabilities; logits are averaged as they are.
 *
 * With `multiOutput: true` every output is stitched, as MONAI's `sliding_window_inference` does
 * for a predictor returning a tuple or a dict: each output, at its own resolution (e.g. heads at
 * 1/2 and 1/4 of the window), gets its own full-size accumulator; the importance map is resized
 * to its window size (nearest, half-pixel centres: PyTorch's `nearest-exact`, as MONAI) and the
 * window positions are scaled by `output window size / roiSize` per axis. The result has the
 * predictor's structure: a tensor, an array in the same order, or a record with the same keys;
 * an output at scale `r` has spatial size `r * input size`. Unlike MONAI, which rounds misaligned
 * positions down, a scale that puts a window start (or the padded image size, or the crop of a
 * padded image) between output voxels is an error: choose `roiSize`, `overlap` and the image size
 * so that `start * r` is whole (MONAI's own advice: `overlap * roiSize * r` an integer).
 *
 * @param predictor - a `tf.LayersModel` or a function `[B, ...roi, C] -> [B, ...roi, K]`
 *   (with `multiOutput`, any outputs `[B, ...r * roi, K_i]`).
 * @param input - `[N, H, W, C]` (2D) or `[N, D, H, W, C]` (3D).
 * @returns a float32 tensor `[N, H, W, K]` / `[N, D, H, W, K]` (the caller disposes it); with
 *   `multiOutput`, the predictor's structure of such tensors; with `output: 'array'`, a
 *   {@link PredictionArray} of that shape (not with `multiOutput`).
 * @example
 * ```ts
 * const probs = await slidingWindowInference(model, image, { roiSize: [96, 96], overlap: 0.5 });
 * // deep supervision: [full, half, quarter] resolution heads, all stitched
 * const [full, half, quarter] = (await slidingWindowInference(model, image, { roiSize: [96, 96], multiOutput: true })) as tf.Tensor[];
 * // a large volume, kept off the backend once stitched: { shape: [1, 300, 512, 512, K], data }
 * const { shape, data } = await slidingWindowInference(model, volume, { roiSize: 96, output: 'array' });
 * ```
 */
export function slidingWindowInference<T extends PredictorOutputs>(
  predictor: (batch: tf.Tensor) => T | Promise<T>,
  input: tf.Tensor,
  options: MultiOutputWindowOptions,
): Promise<T>;
export function slidingWindowInference(predictor: tfl.LayersModel, input: tf.Tensor, options: MultiOutputWindowOptions): Promise<tf.Tensor | tf.Tensor[]>;
export function slidingWindowInference(predictor: Predictor, input: tf.Tensor, options: ArrayOutputWindowOptions): Promise<PredictionArray>;
export function slidingWindowInference(predictor: Predictor, input: tf.Tensor, options: SlidingWindowOptions): Promise<tf.Tensor>;
export async function slidingWindowInference(
  predictor: unknown,
  input: tf.Tensor,
  options: SlidingWindowOptions | MultiOutputWindowOptions | ArrayOutputWindowOptions,
): Promise<PredictorOutputs | PredictionArray> {
  const fn = 'slidingWindowInference';
  const predict = toPredictFn(fn, predictor);
  assertRank(fn, 'input', input, [4, 5], '[N, H, W, C] for 2D or [N, D, H, W, C] for 3D');
  if (input.isDisposed) fail(fn, 'input', input, 'a live tensor (this one is disposed)');
  const spatialDims = input.rank - 2;
  let multiOutput = false;
  let windowOptions: unknown = options;
  if (options !== null && typeof options === 'object' && !Array.isArray(options) && 'multiOutput' in options) {
    const { multiOutput: flag, ...others } = options as MultiOutputWindowOptions & { outputIndex?: unknown };
    assertBoolean(fn, 'options.multiOutput', flag);
    if (flag && others.outputIndex !== undefined) {
      fail(fn, 'options.outputIndex', others.outputIndex, 'undefined with multiOutput: true (every output is stitched)');
    }
    multiOutput = flag;
    windowOptions = others;
  }
  let output: 'tensor' | 'array' = 'tensor';
  if (windowOptions !== null && typeof windowOptions === 'object' && !Array.isArray(windowOptions) && 'output' in windowOptions) {
    const { output: requested, ...others } = windowOptions as { output?: unknown };
    if (requested !== undefined) {
      assertOneOf(fn, 'options.output', requested, ['tensor', 'array'] as const);
      if (multiOutput && requested === 'array') fail(fn, 'options.output', requested, "'tensor' (or left out) with multiOutput: true");
      output = requested;
    }
    windowOptions = others;
  }
  const resolved = resolveWindowOptions(fn, windowOptions, spatialDims);
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
    const run: WindowRun = {
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
    };
    if (multiOutput) {
      const { heads, structure } = await runWindowsAll(run);
      return packOutputs(heads, structure, samples);
    }
    const result = await runWindows(run);
    const shape = [samples, ...spatial, result.channels];
    return output === 'array' ? { shape, data: result.data } : tf.tensor(result.data, shape, 'float32');
  } finally {
    if (source !== input) source.dispose();
  }
}

/** The stitched outputs as tensors, in the structure the predictor returned (MONAI's `_pack_struct`). */
function packOutputs(heads: WindowHeadResult[], structure: OutputStructure, samples: number): PredictorOutputs {
  const tensors = heads.map((head) => tf.tensor(head.data, [samples, ...head.size, head.channels], 'float32'));
  if (structure.kind === 'tensor') return tensors[0]!;
  if (structure.kind === 'array') return tensors;
  return Object.fromEntries(structure.keys.map((key, k) => [key, tensors[k]!]));
}
