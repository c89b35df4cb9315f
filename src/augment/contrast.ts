import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, floatImage, perSample, spatialAxes } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link contrast}. */
export interface ContrastOptions {
  /** Contrast factor range `[min, max]`, drawn per sample. Default `[0.75, 1.25]` (nnU-Net). */
  range?: readonly [number, number];
  /** Clip the result to each sample's and channel's original [min, max]. Default true (nnU-Net). */
  preserveRange?: boolean;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link contrast}. */
export interface ContrastParams {
  factor: number[];
}

/**
 * Contrast change of the image (mask untouched): `(x - mean) * f + mean` with the mean per
 * sample and channel, optionally clipped to the original range (batchgenerators'
 * `augment_contrast`, nnU-Net p = 0.15).
 *
 * @example `contrast({ range: [0.75, 1.25], seed: 0 })({ image })`
 */
export function contrast(options: ContrastOptions = {}): ParametricTransform<ContrastParams> {
  const fn = 'contrast';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['range', 'preserveRange', 'seed']);
  const { preserveRange = true } = options;
  assertBoolean(fn, 'options.preserveRange', preserveRange);
  const range = toRange(fn, 'options.range', options.range ?? [0.75, 1.25], { min: 0 });
  const draw = (rng: Rng, batchSize: number): ContrastParams => ({
    factor: Array.from({ length: batchSize }, () => rng.uniform(range[0], range[1])),
  });
  const apply = (sample: Sample, params: ContrastParams): Sample => {
    assertBatchParams(fn, 'params.factor', params.factor, sample);
    const image = floatImage(sample);
    const axes = spatialAxes(image);
    const mean = tf.mean(image, axes, true);
    let out = tf.add(tf.mul(tf.sub(image, mean), perSample(params.factor, image.rank)), mean);
    if (preserveRange) out = tf.minimum(tf.maximum(out, tf.min(image, axes, true)), tf.max(image, axes, true));
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
