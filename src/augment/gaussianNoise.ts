import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, floatImage, perSample } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseOptions {
  /** Noise standard deviation: a number (fixed) or `[min, max]` drawn per sample. Default 0.01. nnU-Net: `[0, 0.1]`. */
  std?: number | readonly [number, number];
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link gaussianNoise}. */
export interface GaussianNoiseParams {
  std: number[];
  noiseSeed: number;
}

/**
 * Adds zero-mean gaussian noise to the image (mask untouched), standard deviation per sample
 * (batchgenerators' `augment_gaussian_noise`, used by nnU-Net with p = 0.1).
 *
 * @example `gaussianNoise({ std: 0.01, seed: 0 })({ image, mask })`
 */
export function gaussianNoise(options: GaussianNoiseOptions = {}): ParametricTransform<GaussianNoiseParams> {
  const fn = 'gaussianNoise';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['std', 'seed']);
  const range = toRange(fn, 'options.std', options.std ?? 0.01, { min: 0, fixedNumber: true });
  const draw = (rng: Rng, batchSize: number): GaussianNoiseParams => ({
    std: Array.from({ length: batchSize }, () => rng.uniform(range[0], range[1])),
    noiseSeed: rng.seed(),
  });
  const apply = (sample: Sample, params: GaussianNoiseParams): Sample => {
    assertBatchParams(fn, 'params.std', params.std, sample);
    const image = floatImage(sample);
    const noise = tf.randomNormal(image.shape, 0, 1, 'float32', params.noiseSeed);
    const out = tf.add(image, tf.mul(noise, perSample(params.std, image.rank)));
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
