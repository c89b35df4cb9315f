import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertNumberArray, assertOneOf, assertOptionsObject } from '../core/assert.js';

/** How overlapping window predictions are weighted. */
export type BlendMode = 'gaussian' | 'constant';

/** The blend modes accepted by the sliding-window helpers. */
export const BLEND_MODES: readonly BlendMode[] = ['gaussian', 'constant'];

/** Options of {@link importanceMap}. */
export interface ImportanceMapOptions {
  /** `'gaussian'` (default, nnU-Net / MONAI) or `'constant'` (plain averaging). */
  blend?: BlendMode;
  /** Gaussian sigma as a fraction of the window size per axis. Default 0.125 (nnU-Net / MONAI). */
  sigmaScale?: number;
  /** Smallest weight: the gaussian's tails are clamped up to it so border voxels still count. Default 1e-3 (MONAI). */
  minWeight?: number;
}

/**
 * The weights as a flat row-major `Float32Array` over `roi` (no validation). Internal helper.
 */
export function importanceMapData(roi: readonly number[], blend: BlendMode, sigmaScale: number, minWeight: number): Float32Array {
  const total = roi.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total).fill(1);
  if (blend === 'constant') return out;
  // Separable: the product of one 1D gaussian per axis, centred at (n - 1) / 2 as in MONAI.
  const profiles = roi.map((n) => {
    const sigma = sigmaScale * n;
    return Float64Array.from({ length: n }, (_, i) => {
      const x = i - (n - 1) / 2;
      return Math.exp(-(x * x) / (2 * sigma * sigma));
    });
  });
  let stride = total;
  roi.forEach((n, axis) => {
    stride /= n;
    const profile = profiles[axis]!;
    for (let i = 0; i < total; i++) out[i] = out[i]! * profile[Math.floor(i / stride) % n]!;
  });
  for (let i = 0; i < total; i++) if (!(out[i]! >= minWeight)) out[i] = minWeight;
  return out;
}

/**
 * The importance (blending) map of a sliding window: constant ones, or a gaussian with
 * `sigma = sigmaScale * roi` per axis (default 0.125, nnU-Net's "1/8 of the patch size"),
 * `exp(-x^2 / (2 sigma^2))` with `x` measured from the window centre `(n - 1) / 2`, and its
 * smallest values clamped up to `minWeight` so that voxels covered only by window borders still
 * get a positive weight (MONAI's `compute_importance_map` and its `1e-3` clamp).
 *
 * Differs from `gaussianImportance` (data module, used by `reassemblePatches`): that one is
 * nnU-Net's map, fixed at sigma = size / 8, normalized to a maximum of 1 (also for even sizes),
 * with only its zeros raised to the smallest positive value, and shaped `[...patchSize, 1]`.
 *
 * @param roiSize - window size, `[H, W]` or `[D, H, W]`.
 * @returns a float32 tensor of shape `roiSize` (the caller disposes it); 1 at the centre of odd sizes.
 * @example
 * ```ts
 * const w = importanceMap([64, 64]); // gaussian, sigma 8 px, min 1e-3
 * ```
 */
export function importanceMap(roiSize: number[], options: ImportanceMapOptions = {}): tf.Tensor {
  const fn = 'importanceMap';
  assertNumberArray(fn, 'roiSize', roiSize, { min: 1, integer: true });
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['blend', 'sigmaScale', 'minWeight']);
  const { blend = 'gaussian', sigmaScale = 0.125, minWeight = 1e-3 } = options;
  assertOneOf(fn, 'options.blend', blend, BLEND_MODES);
  assertNumber(fn, 'options.sigmaScale', sigmaScale, { min: 0, minExclusive: true });
  assertNumber(fn, 'options.minWeight', minWeight, { min: 0, minExclusive: true, max: 1 });
  return tf.tensor(importanceMapData(roiSize, blend, sigmaScale, minWeight), roiSize, 'float32');
}
