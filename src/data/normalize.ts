import * as tf from '@tensorflow/tfjs-core';
import { assertFinite } from '../ops/assertFinite.js';
import { assertBoolean, assertKnownKeys, assertNumber, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertBatch, spatialAxesOf } from './checks.js';

/** Options of {@link minMaxNormalize}. */
export interface MinMaxNormalizeOptions {
  /** Output range `[a, b]`. Default `[0, 1]`. */
  range?: readonly [number, number];
}

/**
 * Rescales each sample and channel to `range` by its own min and max:
 * `a + (x - min) / (max - min) * (b - a)`; a constant channel maps to `a`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @example `minMaxNormalize(image)` // every sample's channels in [0, 1]
 */
export function minMaxNormalize(x: tf.Tensor, options: MinMaxNormalizeOptions = {}): tf.Tensor {
  const fn = 'minMaxNormalize';
  assertBatch(fn, 'x', x);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['range']);
  const { range = [0, 1] } = options;
  if (!Array.isArray(range) || range.length !== 2) fail(fn, 'options.range', range, 'a range [a, b]');
  assertNumber(fn, 'options.range[0]', range[0]);
  assertNumber(fn, 'options.range[1]', range[1]);
  // One NaN voxel makes the channel's min and max NaN, and so every output voxel.
  assertFinite(fn, 'x', x);
  return tf.tidy(() => {
    const v = tf.cast(x, 'float32');
    const axes = spatialAxesOf(v);
    const low = tf.min(v, axes, true);
    const span = tf.sub(tf.max(v, axes, true), low);
    // A constant channel has span 0: divide by 1 there, giving a.
    const safe = tf.where(tf.greater(span, 0), span, tf.onesLike(span));
    return tf.add(tf.mul(tf.div(tf.sub(v, low), safe), tf.scalar(range[1] - range[0])), tf.scalar(range[0]));
  });
}

/** Options of {@link zScoreNormalize}. */
export interface ZScoreNormalizeOptions {
  /** Compute mean and std only where `mask > 0` (`[N, ...S, 1]` or `[N, ...S, C]`), as nnU-Net's `use_mask_for_norm`. */
  mask?: tf.Tensor;
  /** Set voxels outside the mask to 0 (nnU-Net does). Default false. */
  zeroOutside?: boolean;
  /** Lower bound of the std. Default 1e-8 (nnU-Net's `max(std, 1e-8)`). */
  epsilon?: number;
}

/**
 * Z-score normalization per sample and channel, `(x - mean) / max(std, epsilon)` (population
 * std), as nnU-Net's `ZScoreNormalization` for MRI; with `mask`, statistics come from the voxels
 * inside it (a sample whose mask is empty falls back to all voxels rather than dividing by 0).
 *
 * @example `zScoreNormalize(image, { mask: brainMask, zeroOutside: true })`
 */
export function zScoreNormalize(x: tf.Tensor, options: ZScoreNormalizeOptions = {}): tf.Tensor {
  const fn = 'zScoreNormalize';
  assertBatch(fn, 'x', x);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['mask', 'zeroOutside', 'epsilon']);
  const { mask, zeroOutside = false, epsilon = 1e-8 } = options;
  assertBoolean(fn, 'options.zeroOutside', zeroOutside);
  assertNumber(fn, 'options.epsilon', epsilon, { min: 0, minExclusive: true });
  if (mask !== undefined) {
    if (!(mask instanceof tf.Tensor)) fail(fn, 'options.mask', mask, 'a tensor');
    const ok =
      mask.rank === x.rank &&
      x.shape.slice(0, -1).every((d, i) => d === mask.shape[i]) &&
      (mask.shape[x.rank - 1] === 1 || mask.shape[x.rank - 1] === x.shape[x.rank - 1]);
    if (!ok) {
      throw new UnetKitError(fn, 'x and options.mask', `have shapes ${formatValue(x.shape)} and ${formatValue(mask.shape)}; expected the same batch and spatial sizes, mask channels 1 or ${x.shape[x.rank - 1]}.`);
    }
  } else if (zeroOutside) {
    fail(fn, 'options.zeroOutside', zeroOutside, 'false when no mask is given');
  }
  // One NaN voxel makes the channel's mean and std NaN, and so every output voxel.
  assertFinite(fn, 'x', x);
  if (mask !== undefined) assertFinite(fn, 'options.mask', mask);
  return tf.tidy(() => {
    const v = tf.cast(x, 'float32');
    const axes = spatialAxesOf(v);
    let weights: tf.Tensor = tf.onesLike(v);
    if (mask) {
      const inside = tf.broadcastTo(tf.cast(tf.greater(mask, 0), 'float32'), v.shape);
      const count = tf.sum(inside, axes, true);
      weights = tf.where(tf.broadcastTo(tf.greater(count, 0), v.shape), inside, weights);
    }
    const count = tf.sum(weights, axes, true);
    const mean = tf.div(tf.sum(tf.mul(v, weights), axes, true), count);
    const variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(v, mean)), weights), axes, true), count);
    const out = tf.div(tf.sub(v, mean), tf.maximum(tf.sqrt(variance), tf.scalar(epsilon)));
    if (!zeroOutside || !mask) return out;
    return tf.mul(out, tf.broadcastTo(tf.cast(tf.greater(mask, 0), 'float32'), v.shape));
  });
}
