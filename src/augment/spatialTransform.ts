import * as tf from '@tensorflow/tfjs-core';
import { centredGrid, resample, type ResamplePadding } from './resample.js';
import type { Sample } from './types.js';

/** Border handling shared by the spatial transforms. */
export interface SpatialPaddingOptions {
  /** What points outside the input read. Default `'constant'` (nnU-Net's border_mode_data). */
  padding?: ResamplePadding;
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
  /** Optional `[N, ...S, k]` displacement in voxels, added to the coordinates. */
  displacement?: tf.Tensor;
}

/**
 * Builds the sampling coordinates of a {@link SpatialMapping} for a spatial shape:
 * `[N, ...S, k]`. One matMul of the centred grid by the stacked matrices.
 */
export function mappingCoordinates(spatial: readonly number[], mapping: SpatialMapping): tf.Tensor {
  return tf.tidy(() => {
    const n = mapping.matrices.length;
    const k = spatial.length;
    const grid = centredGrid(spatial);
    // stacked[d][s * k + e] = M_s[e][d], so grid @ stacked gives every sample's M g at once.
    const stacked: number[] = [];
    for (let d = 0; d < k; d++) for (let s = 0; s < n; s++) for (let e = 0; e < k; e++) stacked.push(mapping.matrices[s]![e]![d]!);
    const points = grid.shape[0];
    const rotated = tf.transpose(tf.reshape(tf.matMul(grid, tf.tensor2d(stacked, [k, n * k])), [points, n, k]), [1, 0, 2]);
    const shift = mapping.offsets.map((o) => o.map((v, a) => v + (spatial[a]! - 1) / 2));
    let coords: tf.Tensor = tf.add(rotated, tf.tensor3d(shift.flat(), [n, 1, k]));
    coords = tf.reshape(coords, [n, ...spatial, k]);
    if (mapping.displacement) coords = tf.add(coords, mapping.displacement);
    return coords;
  });
}

/**
 * Resamples image (linear, float32 out) and mask (nearest, dtype kept) of `sample` through one
 * mapping: one resampling per call whatever the mix of rotation, scale, shear, translation and elastic displacement.
 */
export function applyMapping(sample: Sample, mapping: SpatialMapping, options: SpatialPaddingOptions = {}): Sample {
  const { padding = 'constant', fill = 0, maskFill = 0 } = options;
  return tf.tidy(() => {
    const coords = mappingCoordinates(sample.image.shape.slice(1, -1), mapping);
    const image = resample(sample.image, coords, 'linear', padding, fill);
    if (sample.mask === undefined) return { image };
    return { image, mask: resample(sample.mask, coords, 'nearest', padding, maskFill) };
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
