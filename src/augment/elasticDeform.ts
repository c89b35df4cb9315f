import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOneOf, assertOptionsObject } from '../core/assert.js';
import { BORDER_MODES } from '../ops/border.js';
import { UnetKitError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { smoothSpatial } from '../ops/smoothing.js';
import { toRange } from './ranges.js';
import { applyMapping, identityMatrix, type SpatialPaddingOptions } from './spatialTransform.js';
import { makeTransform, spatialDimsOf, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link elasticDeform}. */
export interface ElasticDeformOptions extends SpatialPaddingOptions {
  /** Displacement scale `[min, max]` (a number is fixed), drawn per sample. Default `[0, 200]` (batchgenerators / nnU-Net). */
  alpha?: number | readonly [number, number];
  /** Smoothness (gaussian sigma, voxels) `[min, max]` (a number is fixed), one draw per call. Default `[9, 13]`. */
  sigma?: number | readonly [number, number];
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link elasticDeform}. */
export interface ElasticDeformParams {
  /** Per-sample alpha. */
  alpha: number[];
  /** Gaussian sigma of the field (voxels), shared by the batch. */
  sigma: number;
  /** Seed of the uniform noise the field is smoothed from. */
  noiseSeed: number;
}

/** The field of {@link elasticDisplacement}, axis-major `[k, N, ...S]` as the resampler wants it. */
export function elasticField(shape: readonly number[], params: ElasticDeformParams): tf.Tensor {
  return tf.tidy(() => {
    const n = shape[0]!;
    const spatial = shape.slice(1, -1);
    const k = spatial.length;
    // One smoothing pass over k * N single-channel fields.
    const noise = tf.randomUniform([k * n, ...spatial, 1], -1, 1, 'float32', params.noiseSeed);
    const smooth = tf.reshape(smoothSpatial(noise, spatial.map(() => params.sigma)), [k, n, ...spatial]);
    return tf.mul(smooth, tf.tensor(params.alpha, [1, n, ...spatial.map(() => 1)]));
  });
}

/**
 * The smoothed random displacement field of Simard et al. 2003 ("Best practices for CNNs applied
 * to visual document analysis"): uniform noise in [-1, 1] per voxel and axis, gaussian-smoothed
 * with `sigma`, times `alpha` (per sample). `[N, ...S, k]`, in voxels.
 *
 * @example `elasticDisplacement([1, 64, 64, 1], { alpha: [100], sigma: 10, noiseSeed: 1 })` // [1, 64, 64, 2]
 */
export function elasticDisplacement(shape: readonly number[], params: ElasticDeformParams): tf.Tensor {
  return tf.tidy(() => {
    const field = elasticField(shape, params);
    const k = shape.length - 2;
    return tf.transpose(field, [...Array.from({ length: k + 1 }, (_, i) => i + 1), 0]);
  });
}

/**
 * Elastic deformation: a smooth random displacement field (see {@link elasticDisplacement})
 * added to the identity grid, then one resampling (images linear, masks nearest). The same
 * field moves image and mask, so they stay aligned.
 *
 * @example
 * ```ts
 * const t = elasticDeform({ alpha: [0, 200], sigma: [9, 13], seed: 3 });
 * const out = t({ image, mask });
 * ```
 */
export function elasticDeform(options: ElasticDeformOptions = {}): ParametricTransform<ElasticDeformParams> {
  const fn = 'elasticDeform';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['alpha', 'sigma', 'seed', 'padding', 'fill', 'maskFill']);
  const { alpha = [0, 200], sigma = [9, 13], seed, padding = 'constant', fill = 0, maskFill = 0 } = options;
  const alphaRange = toRange(fn, 'options.alpha', alpha, { min: 0, fixedNumber: true });
  const sigmaRange = toRange(fn, 'options.sigma', sigma, { min: 0, minExclusive: true, fixedNumber: true });
  assertOneOf(fn, 'options.padding', padding, BORDER_MODES);
  const draw = (rng: Rng, batchSize: number): ElasticDeformParams => ({
    alpha: Array.from({ length: batchSize }, () => rng.uniform(alphaRange[0], alphaRange[1])),
    sigma: rng.uniform(sigmaRange[0], sigmaRange[1]),
    noiseSeed: rng.seed(),
  });
  const apply = (sample: Sample, params: ElasticDeformParams): Sample => {
    const n = sample.image.shape[0]!;
    if (params.alpha.length !== n) throw new UnetKitError(fn, 'params.alpha', `holds ${params.alpha.length} samples; the batch has ${n}.`);
    const k = spatialDimsOf(sample);
    const displacement = elasticField(sample.image.shape, params);
    return applyMapping(
      sample,
      { matrices: Array.from({ length: n }, () => identityMatrix(k)), offsets: Array.from({ length: n }, () => new Array<number>(k).fill(0)), displacement },
      { padding, fill, maskFill },
    );
  };
  return makeTransform(fn, seed, draw, apply);
}
