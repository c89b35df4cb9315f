import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, perSample } from './intensityUtils.js';
import { permutation, sampleBeta } from './random.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** Beta(alpha, alpha) parameter of the mixing weight. Default 0.4. */
  alpha?: number;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link mixup}: per sample, its partner in the batch and its weight. */
export interface MixParams {
  partner: number[];
  lambda: number[];
}

/** `lambda * a + (1 - lambda) * a[partner]`, per sample, in float32. */
export function mixWith(x: tf.Tensor, params: MixParams): tf.Tensor {
  const a = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  const b = tf.gather(a, tf.tensor1d(params.partner, 'int32'));
  const l = perSample(params.lambda, a.rank);
  return tf.add(tf.mul(a, l), tf.mul(b, tf.sub(tf.scalar(1), l)));
}

/**
 * mixup (Zhang et al. 2018): each sample is blended with a random partner of the batch,
 * `lambda ~ Beta(alpha, alpha)`; the mask is blended with the same weight, giving soft labels
 * (use one-hot masks for more than two classes; pair with a loss that takes soft targets).
 *
 * @example `mixup({ alpha: 0.4, seed: 0 })({ image, mask: tf.oneHot(tf.cast(labels, 'int32'), 3) })`
 */
export function mixup(options: MixupOptions = {}): ParametricTransform<MixParams> {
  const fn = 'mixup';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['alpha', 'seed']);
  const { alpha = 0.4 } = options;
  assertNumber(fn, 'options.alpha', alpha, { min: 0, minExclusive: true });
  const draw = (rng: Rng, batchSize: number): MixParams => ({
    partner: permutation(rng, batchSize),
    lambda: Array.from({ length: batchSize }, () => sampleBeta(rng, alpha, alpha)),
  });
  const apply = (sample: Sample, params: MixParams): Sample => {
    assertBatchParams(fn, 'params.lambda', params.lambda, sample);
    assertBatchParams(fn, 'params.partner', params.partner, sample);
    const image = mixWith(sample.image, params);
    return sample.mask === undefined ? { image } : { image, mask: mixWith(sample.mask, params) };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
