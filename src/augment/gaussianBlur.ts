import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { smoothSpatial } from '../ops/smoothing.js';
import { assertBatchParams, floatImage } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions {
  /** Gaussian sigma in voxels: a number (fixed) or `[min, max]` drawn per sample. Default `[0.5, 1]` (nnU-Net). */
  sigma?: number | readonly [number, number];
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link gaussianBlur}. */
export interface GaussianBlurParams {
  sigma: number[];
}

/**
 * Gaussian blur of the image (mask untouched) with a separable gaussian, one 1D convolution per
 * spatial axis, taps to 4 sigma and mirrored borders as `scipy.ndimage.gaussian_filter` (which
 * nnU-Net's blur uses, sigma 0.5..1, p = 0.2).
 *
 * @example `gaussianBlur({ sigma: [0.5, 1], seed: 0 })({ image })`
 */
export function gaussianBlur(options: GaussianBlurOptions = {}): ParametricTransform<GaussianBlurParams> {
  const fn = 'gaussianBlur';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['sigma', 'seed']);
  const range = toRange(fn, 'options.sigma', options.sigma ?? [0.5, 1], { min: 0, fixedNumber: true });
  const draw = (rng: Rng, batchSize: number): GaussianBlurParams => ({
    sigma: Array.from({ length: batchSize }, () => rng.uniform(range[0], range[1])),
  });
  const apply = (sample: Sample, params: GaussianBlurParams): Sample => {
    assertBatchParams(fn, 'params.sigma', params.sigma, sample);
    const image = floatImage(sample);
    const k = image.rank - 2;
    const same = params.sigma.every((s) => s === params.sigma[0]);
    const out = same
      ? smoothSpatial(image, new Array<number>(k).fill(params.sigma[0]!))
      : tf.concat(tf.split(image, image.shape[0]!, 0).map((one, s) => smoothSpatial(one, new Array<number>(k).fill(params.sigma[s]!))), 0);
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
