import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isTensor } from '../ops/isTensor.js';
import { distanceTransformUnchecked, resolveSpacing } from './distanceTransform.js';

/** Options of {@link unetWeightMap}. */
export interface UnetWeightMapOptions {
  /** Weight of the separation term, `w0`. Default 10 (the paper). >= 0. */
  w0?: number;
  /** Width of the separation term, `sigma`, in the unit of `spacing`. Default 5 (the paper's "approximately 5 pixels"). > 0. */
  sigma?: number;
  /**
   * The class-balancing map `w_c`: `'balanced'` (default) gives background and foreground
   * `V / (2 n_k)` (V voxels, n_k of class k; 1 when only one class is present), or
   * `[background, foreground]` weights >= 0.
   */
  classWeights?: 'balanced' | readonly [number, number];
  /**
   * Add the separation term on background voxels only (default true: the gaps between touching
   * objects, as the paper's Fig. 3d and its common implementations); false adds it everywhere.
   */
  backgroundOnly?: boolean;
  /** Voxel size per axis (or one number). Default 1. */
  spacing?: number | readonly number[];
}

/**
 * The pixel-wise loss weight map of the 2015 U-Net paper (Ronneberger et al., "U-Net:
 * Convolutional Networks for Biomedical Image Segmentation", eq. 2):
 *
 * `w(x) = w_c(x) + w0 * exp(-(d1(x) + d2(x))^2 / (2 sigma^2))`
 *
 * with `d1`, `d2` the (Euclidean, spacing-aware) distances to the nearest and second-nearest
 * object, so thin background gaps between touching objects weigh most. `labels` is an instance
 * label map `[H, W]` or `[D, H, W]`: 0 is background, every other integer one object. With fewer
 * than two objects the separation term is 0. Runs on the CPU (one exact distance transform per
 * object); multiply a per-voxel loss (`reduction: 'none'`) by the result.
 *
 * @returns a float32 tensor of `labels`' shape (nothing passed in is disposed).
 * @example
 * ```ts
 * const weights = unetWeightMap(tf.tensor2d([[1, 0, 0, 2]], undefined, 'int32')); // [1, 4]
 * ```
 */
export function unetWeightMap(labels: tf.Tensor, options: UnetWeightMapOptions = {}): tf.Tensor {
  const fn = 'unetWeightMap';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['w0', 'sigma', 'classWeights', 'backgroundOnly', 'spacing']);
  const { w0 = 10, sigma = 5, classWeights = 'balanced', backgroundOnly = true } = options;
  assertNumber(fn, 'options.w0', w0, { min: 0 });
  assertNumber(fn, 'options.sigma', sigma, { min: 0, minExclusive: true });
  assertBoolean(fn, 'options.backgroundOnly', backgroundOnly);
  if (classWeights !== 'balanced') {
    const ok = Array.isArray(classWeights) && classWeights.length === 2 && classWeights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0);
    if (!ok) fail(fn, 'options.classWeights', classWeights, "'balanced' or [background, foreground], two numbers >= 0");
  }
  if (!isTensor(labels)) fail(fn, 'labels', labels, 'a tf.Tensor instance label map [H, W] or [D, H, W]');
  if (labels.rank !== 2 && labels.rank !== 3) {
    throw new UnetKitError(fn, 'labels', `has shape ${formatValue(labels.shape)}; expected an instance label map [H, W] or [D, H, W].`);
  }
  const shape = labels.shape;
  const spacing = resolveSpacing(fn, options.spacing, shape.length);
  const values = labels.dataSync();
  const size = values.length;
  const ids = new Set<number>();
  for (let i = 0; i < size; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0) fail(fn, 'labels', labels, `integers >= 0 (0 background, others objects); found ${formatValue(v)}`);
    if (v !== 0) ids.add(v);
  }
  let foreground = 0;
  for (let i = 0; i < size; i++) if (values[i] !== 0) foreground++;
  const [wBackground, wForeground] = classWeights === 'balanced' ? balanced(size, foreground) : classWeights;

  // d1 <= d2: the two smallest distances to any object, kept per voxel while objects stream by.
  const d1 = new Float64Array(size).fill(Infinity);
  const d2 = new Float64Array(size).fill(Infinity);
  const sites = new Uint8Array(size);
  for (const id of ids) {
    for (let i = 0; i < size; i++) sites[i] = values[i] === id ? 1 : 0;
    const d = distanceTransformUnchecked(sites, shape, spacing, 'euclidean');
    for (let i = 0; i < size; i++) {
      const v = d[i]!;
      if (v < d1[i]!) {
        d2[i] = d1[i]!;
        d1[i] = v;
      } else if (v < d2[i]!) d2[i] = v;
    }
  }
  const out = new Float32Array(size);
  const twoSigma2 = 2 * sigma * sigma;
  for (let i = 0; i < size; i++) {
    const background = values[i] === 0;
    const sum = d1[i]! + d2[i]!;
    const separation = (backgroundOnly && !background) || !Number.isFinite(sum) ? 0 : w0 * Math.exp(-(sum * sum) / twoSigma2);
    out[i] = (background ? wBackground : wForeground) + separation;
  }
  return tf.tensor(out, shape, 'float32');
}

/** sklearn's 'balanced' weights of background and foreground: `V / (2 n_k)`, 1 for both when one is absent. */
function balanced(size: number, foreground: number): [number, number] {
  const background = size - foreground;
  if (foreground === 0 || background === 0) return [1, 1];
  return [size / (2 * background), size / (2 * foreground)];
}
