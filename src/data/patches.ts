import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertNumberArray, assertOneOf, assertOptionsObject, assertRank, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { BORDER_MODES, padSpatial, type BorderMode } from '../ops/border.js';
import { assertBatch } from './checks.js';

/** Options of {@link extractPatches}. */
export interface ExtractPatchesOptions {
  /** Fraction of a patch shared with its neighbour, in [0, 1). Default 0 (tiles). nnU-Net infers with 0.5. */
  overlap?: number;
  /** Fill of the border when the input is smaller than a patch. Default `'constant'` (0). */
  padMode?: BorderMode;
}

/** Where the patches of {@link extractPatches} came from; give it to {@link reassemblePatches}. */
export interface PatchLayout {
  /** Samples in the batch. */
  batchSize: number;
  /** Spatial shape of the input. */
  spatialShape: number[];
  /** Spatial shape after padding up to the patch size where the input was smaller. */
  paddedShape: number[];
  /** `[before, after]` padding per spatial axis. */
  pads: Array<[number, number]>;
  /** Spatial patch size. */
  patchSize: number[];
  /** Patch start positions (in the padded input), the same for every sample. */
  starts: number[][];
}

/** Options of {@link reassemblePatches}. */
export interface ReassemblePatchesOptions {
  /** `'constant'` (plain average, default) or `'gaussian'` (nnU-Net's importance map, sigma = patch / 8). */
  weighting?: 'constant' | 'gaussian';
}

/**
 * Start positions along one axis: as few equally spaced windows as cover `size` with at least the
 * requested overlap, the last one ending at the edge (nnU-Net's `compute_steps_for_sliding_window`).
 * The inference module's `windowStarts` (MONAI's `dense_patch_slices`) uses a fixed stride of
 * `floor(patch * (1 - overlap))` instead and shifts only the last window back, so the two differ
 * whenever the stride does not divide `size - patch` (for 100, 64, 0.5: `[0, 18, 36]` here,
 * `[0, 32, 36]` there).
 *
 * @example `patchStarts(128, 64, 0.5)` is `[0, 32, 64]`; `patchStarts(100, 64, 0.5)` is `[0, 18, 36]`.
 */
export function patchStarts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [0];
  const target = patch * (1 - overlap);
  const steps = Math.ceil((size - patch) / target) + 1;
  const step = (size - patch) / (steps - 1);
  return Array.from({ length: steps }, (_, i) => Math.round(step * i));
}

/**
 * Cuts a batch into (optionally overlapping) patches covering every voxel, for training or for
 * inference on inputs too large for memory. Inputs smaller than a patch are padded (centred).
 * `[N, ...S, C]` -> `[N * P, ...patchSize, C]`, sample-major (all of sample 0's patches first).
 *
 * @example
 * ```ts
 * const { patches, layout } = extractPatches(volume, [64, 64, 64], { overlap: 0.5 });
 * const merged = reassemblePatches(model.predict(patches) as tf.Tensor, layout, { weighting: 'gaussian' });
 * ```
 */
export function extractPatches(
  x: tf.Tensor,
  patchSize: readonly number[],
  options: ExtractPatchesOptions = {},
): { patches: tf.Tensor; layout: PatchLayout } {
  const fn = 'extractPatches';
  assertBatch(fn, 'x', x);
  const spatial = x.shape.slice(1, -1);
  assertNumberArray(fn, 'patchSize', patchSize, { min: 1, integer: true }, spatial.length);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['overlap', 'padMode']);
  const { overlap = 0, padMode = 'constant' } = options;
  assertNumber(fn, 'options.overlap', overlap, { min: 0, max: 1, maxExclusive: true });
  assertOneOf(fn, 'options.padMode', padMode, BORDER_MODES);
  const pads = spatial.map((s, a): [number, number] => {
    const total = Math.max(0, patchSize[a]! - s);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
  const paddedShape = spatial.map((s, a) => s + pads[a]![0] + pads[a]![1]);
  const perAxis = paddedShape.map((s, a) => patchStarts(s, patchSize[a]!, overlap));
  let starts: number[][] = [[]];
  for (const axisStarts of perAxis) starts = starts.flatMap((prefix) => axisStarts.map((s) => [...prefix, s]));
  const layout: PatchLayout = { batchSize: x.shape[0]!, spatialShape: spatial, paddedShape, pads, patchSize: [...patchSize], starts };
  const patches = tf.tidy(() => {
    const padded = pads.some(([b, a]) => b + a > 0) ? padSpatial(x, pads, padMode) : x;
    const pieces: tf.Tensor[] = [];
    for (let n = 0; n < layout.batchSize; n++) {
      for (const start of starts) pieces.push(tf.slice(padded, [n, ...start, 0], [1, ...patchSize, -1]));
    }
    return tf.concat(pieces, 0);
  });
  return { patches, layout };
}

/**
 * nnU-Net's gaussian importance map for a patch: sigma = size / 8, max 1, zeros replaced by the smallest positive value.
 * The inference module's `importanceMap` (MONAI's `compute_importance_map`) instead takes the
 * blend mode and sigma as options, is not normalized (its maximum is below 1 for even sizes),
 * clamps its tails up to `minWeight` (default 1e-3) and has no trailing channel axis.
 *
 * @returns `[...patchSize, 1]`, 1 at the centre.
 * @example
 * ```ts
 * const weights = gaussianImportance([64, 64, 64]); // [64, 64, 64, 1]
 * ```
 */
export function gaussianImportance(patchSize: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    let map: tf.Tensor = tf.ones([1]);
    patchSize.forEach((size) => {
      const sigma = size * 0.125;
      const centre = (size - 1) / 2;
      const line = tf.tensor1d(Array.from({ length: size }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma))));
      map = tf.reshape(tf.mul(tf.reshape(map, [-1, 1]), tf.reshape(line, [1, size])), [-1]);
    });
    const normalized = tf.div(map, tf.max(map));
    const smallest = tf.min(tf.where(tf.greater(normalized, 0), normalized, tf.onesLike(normalized)));
    return tf.reshape(tf.maximum(normalized, smallest), [...patchSize, 1]);
  });
}

/**
 * Puts patches from {@link extractPatches} (or per-patch predictions with any channel count)
 * back together: overlapping voxels are averaged, plainly or with the gaussian importance
 * weighting of nnU-Net's sliding window, then the padding is cropped off.
 * `[N * P, ...patchSize, K]` -> `[N, ...S, K]`. Without overlap and with constant weights the
 * round trip is exact.
 *
 * For inference on large volumes prefer the inference module's sliding window, which runs the
 * model window by window with MONAI's stride and blending ({@link patchStarts} and
 * {@link gaussianImportance} describe the differences); this function works on patches already
 * predicted, laid out by {@link extractPatches}.
 *
 * @example
 * ```ts
 * const { patches, layout } = extractPatches(volume, [64, 64, 64], { overlap: 0.5 });
 * const merged = reassemblePatches(model.predict(patches) as tf.Tensor, layout, { weighting: 'gaussian' });
 * ```
 */
export function reassemblePatches(patches: tf.Tensor, layout: PatchLayout, options: ReassemblePatchesOptions = {}): tf.Tensor {
  const fn = 'reassemblePatches';
  assertRank(fn, 'patches', patches, [4, 5], '[N * P, H, W, K] or [N * P, D, H, W, K]');
  if (layout === null || typeof layout !== 'object' || !Array.isArray(layout.starts)) fail(fn, 'layout', layout, 'the layout returned by extractPatches');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['weighting']);
  const { weighting = 'constant' } = options;
  assertOneOf(fn, 'options.weighting', weighting, ['constant', 'gaussian']);
  const expected = [layout.batchSize * layout.starts.length, ...layout.patchSize];
  if (patches.rank !== layout.patchSize.length + 2 || expected.some((d, i) => d !== patches.shape[i])) {
    throw new UnetKitError(fn, 'patches', `has shape ${formatValue(patches.shape)}; the layout expects [${expected.join(', ')}, K].`);
  }
  return tf.tidy(() => {
    const weights = weighting === 'gaussian' ? gaussianImportance(layout.patchSize) : tf.ones([...layout.patchSize, 1]);
    const place = (t: tf.Tensor, start: number[]): tf.Tensor =>
      tf.pad(t, [[0, 0], ...start.map((s, a): [number, number] => [s, layout.paddedShape[a]! - s - layout.patchSize[a]!]), [0, 0]]);
    // Chains of adds, not tf.addN: WebGPU's addN binds every input as a storage buffer and a
    // shader stage may have only 8 (more patches than that gave NaN there).
    const sum = (terms: tf.Tensor[]): tf.Tensor => terms.reduce((acc, term) => tf.add(acc, term));
    const weightSum = sum(layout.starts.map((start) => place(tf.expandDims(weights, 0), start)));
    const volumes: tf.Tensor[] = [];
    const perSample = layout.starts.length;
    for (let n = 0; n < layout.batchSize; n++) {
      const parts = layout.starts.map((start, i) => place(tf.mul(tf.cast(tf.slice(patches, [n * perSample + i], [1]), 'float32'), weights), start));
      volumes.push(tf.div(sum(parts), weightSum));
    }
    const merged = tf.concat(volumes, 0);
    const begin = [0, ...layout.pads.map(([b]) => b), 0];
    return tf.slice(merged, begin, [-1, ...layout.spatialShape, -1]);
  });
}
