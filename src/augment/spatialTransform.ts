import * as tf from '@tensorflow/tfjs-core';
import type { BorderMode } from '../ops/border.js';
import { centredGrid, resampleAxes } from '../ops/resample.js';
import type { Sample } from './types.js';

/** Border handling shared by the spatial transforms. */
export interface SpatialPaddingOptions {
  /** What points outside the input read. Default `'constant'` (nnU-Net's border_mode_data). */
  padding?: BorderMode;
  /** Image value outside the input for `'constant'`. Default 0. */
  fill?: number;
  /** Mask value outside the input for `'constant'`. Default 0 (background). */
  maskFill?: number;
}

/** Per-sample output-to-input mapping: input index = matrix * (output index - centre) + centre + offset (+ displacement). */
export interface SpatialMapping {
  /** `[N][k][k]`. */
  matrices: number[][][];
  /** `[N][k]`, in voxels. */
  offsets: number[][];
  /** Optional displacement in voxels, axis-major `[k, N, prod(S)]`, added to the coordinates. */
  displacement?: tf.Tensor;
}

/**
 * The sampling coordinates of a {@link SpatialMapping} for a spatial shape, one `[N, prod(S)]`
 * tensor per axis: one matMul of the stacked matrix rows by the axis-major centred grid.
 */
export function mappingCoordinates(spatial: readonly number[], mapping: SpatialMapping): tf.Tensor[] {
  return tf.tidy(() => {
    const n = mapping.matrices.length;
    const k = spatial.length;
    const grid = centredGrid(spatial);
    const points = grid.shape[1];
    // Row (e, s) of `rows` is M_s[e]; rows @ grid gives every axis of every sample at once.
    const rows: number[] = [];
    const shifts: number[] = [];
    for (let e = 0; e < k; e++) {
      for (let s = 0; s < n; s++) {
        rows.push(...mapping.matrices[s]![e]!);
        shifts.push(mapping.offsets[s]![e]! + (spatial[e]! - 1) / 2);
      }
    }
    let coords: tf.Tensor = tf.add(tf.matMul(tf.tensor2d(rows, [k * n, k]), grid), tf.tensor2d(shifts, [k * n, 1]));
    coords = tf.reshape(coords, [k, n * points]);
    if (mapping.displacement) coords = tf.add(coords, tf.reshape(mapping.displacement, [k, n * points]));
    return tf.split(coords, k, 0).map((row) => tf.reshape(row, [n, points]));
  });
}

/**
 * Resamples image (linear, float32 out) and mask (nearest, dtype kept) of `sample` through one
 * mapping: one resampling per call whatever the mix of rotation, scale, shear, translation and
 * elastic displacement.
 */
export function applyMapping(sample: Sample, mapping: SpatialMapping, options: SpatialPaddingOptions = {}): Sample {
  const { padding = 'constant', fill = 0, maskFill = 0 } = options;
  return tf.tidy(() => {
    const spatial = sample.image.shape.slice(1, -1);
    const axes = mappingCoordinates(spatial, mapping);
    const image = resampleAxes(sample.image, axes, spatial, 'linear', padding, fill);
    if (sample.mask === undefined) return { image };
    return { image, mask: resampleAxes(sample.mask, axes, spatial, 'nearest', padding, maskFill) };
  }) as Sample;
}

/** The k x k identity. */
export function identityMatrix(k: number): number[][] {
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
}

/** Matrix product of two k x k matrices. */
export function matMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((sum, v, i) => sum + v * b[i]![j]!, 0)));
}
