import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, floatImage, perSample, spatialAxes } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link gamma}. */
export interface GammaOptions {
  /** Gamma range `[min, max]`. Default `[0.8, 1.2]`; nnU-Net uses `[0.7, 1.5]`. */
  range?: readonly [number, number];
  /** Apply the gamma to the inverted image (`-x`), brightening dark structures instead. Default false. */
  invert?: boolean;
  /** Restore each sample's and channel's mean and standard deviation afterwards. Default true (nnU-Net). */
  retainStats?: boolean;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link gamma}. */
export interface GammaParams {
  gamma: number[];
}

/**
 * Gamma transform of the image (mask untouched), batchgenerators' `augment_gamma` as used by
 * nnU-Net: per sample and channel, rescale to [0, 1] by min/max, raise to `gamma`, scale back,
 * optionally restore mean and std; with `invert` the whole thing runs on `-x`. When the range
 * straddles 1, gammas below and above 1 are equally likely (half the draws in [min, 1], half in
 * [1, max]), as in batchgenerators.
 *
 * @example `gamma({ range: [0.7, 1.5], invert: true, seed: 0 })({ image })`
 */
export function gamma(options: GammaOptions = {}): ParametricTransform<GammaParams> {
  const fn = 'gamma';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['range', 'invert', 'retainStats', 'seed']);
  const { invert = false, retainStats = true } = options;
  assertBoolean(fn, 'options.invert', invert);
  assertBoolean(fn, 'options.retainStats', retainStats);
  const range = toRange(fn, 'options.range', options.range ?? [0.8, 1.2], { min: 0, minExclusive: true });
  const draw = (rng: Rng, batchSize: number): GammaParams => ({
    gamma: Array.from({ length: batchSize }, () =>
      range[0] < 1 && range[1] > 1 && rng.next() < 0.5 ? rng.uniform(range[0], 1) : rng.uniform(Math.max(range[0], 1), range[1]),
    ),
  });
  const apply = (sample: Sample, params: GammaParams): Sample => {
    assertBatchParams(fn, 'params.gamma', params.gamma, sample);
    const source = floatImage(sample);
    const axes = spatialAxes(source);
    const x = invert ? tf.neg(source) : source;
    const mean = tf.mean(x, axes, true);
    const std = tf.sqrt(tf.mean(tf.square(tf.sub(x, mean)), axes, true));
    const low = tf.min(x, axes, true);
    const span = tf.sub(tf.max(x, axes, true), low);
    const unit = tf.div(tf.sub(x, low), tf.add(span, tf.scalar(1e-7)));
    let out = tf.add(tf.mul(tf.pow(unit, perSample(params.gamma, x.rank)), span), low);
    if (retainStats) {
      const newMean = tf.mean(out, axes, true);
      const newStd = tf.sqrt(tf.mean(tf.square(tf.sub(out, newMean)), axes, true));
      out = tf.add(tf.mul(tf.div(tf.sub(out, newMean), tf.add(newStd, tf.scalar(1e-8))), std), mean);
    }
    if (invert) out = tf.neg(out);
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
