import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumberArray, assertOneOf, assertOptionsObject } from '../core/assert.js';
import { assertFinite } from '../ops/assertFinite.js';
import { resizeSpatial, type Interpolation } from '../ops/resample.js';
import { assertBatch } from './checks.js';

/** Options of {@link resampleToSpacing}. */
export interface ResampleToSpacingOptions {
  /** `'linear'` (images, default) or `'nearest'` (label maps). */
  interpolation?: Interpolation;
}

/**
 * The spatial shape after resampling: `round(size * spacing / newSpacing)` per axis, at least 1
 * (nnU-Net's `compute_new_shape`).
 *
 * @example `spacingShape([128, 128, 62], [2, 2, 3], [1, 1, 1])` is `[256, 256, 186]`.
 */
export function spacingShape(shape: readonly number[], spacing: readonly number[], newSpacing: readonly number[]): number[] {
  const fn = 'spacingShape';
  assertNumberArray(fn, 'shape', shape, { min: 1, integer: true });
  assertNumberArray(fn, 'spacing', spacing, { min: 0, minExclusive: true }, shape.length);
  assertNumberArray(fn, 'newSpacing', newSpacing, { min: 0, minExclusive: true }, shape.length);
  return shape.map((s, a) => Math.max(1, Math.round((s * spacing[a]!) / newSpacing[a]!)));
}

/**
 * Resamples the spatial axes of a batch from voxel `spacing` to `newSpacing` (same axis order as
 * the spatial axes, e.g. `[D, H, W]` spacings in mm), as nnU-Net's preprocessing: new size
 * `round(size * spacing / newSpacing)`, half-pixel-centre sampling (skimage's `resize`), linear
 * for images and nearest for label maps (nnU-Net uses cubic for images).
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @example `resampleToSpacing(volume, [3, 2, 2], [1.5, 1, 1])` // [1, 62, 128, 128, 1] -> [1, 124, 256, 256, 1]
 */
export function resampleToSpacing(
  x: tf.Tensor,
  spacing: readonly number[],
  newSpacing: readonly number[],
  options: ResampleToSpacingOptions = {},
): tf.Tensor {
  const fn = 'resampleToSpacing';
  assertBatch(fn, 'x', x);
  const k = x.rank - 2;
  assertNumberArray(fn, 'spacing', spacing, { min: 0, minExclusive: true }, k);
  assertNumberArray(fn, 'newSpacing', newSpacing, { min: 0, minExclusive: true }, k);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['interpolation']);
  const { interpolation = 'linear' } = options;
  assertOneOf(fn, 'options.interpolation', interpolation, ['linear', 'nearest']);
  // Linear interpolation spreads a NaN voxel to its neighbours.
  assertFinite(fn, 'x', x);
  const size = spacingShape(x.shape.slice(1, -1), spacing, newSpacing);
  return resizeSpatial(x, size, interpolation);
}
