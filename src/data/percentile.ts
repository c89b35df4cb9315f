import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOptionsObject, fail } from '../core/assert.js';
import { assertFinite } from '../ops/assertFinite.js';
import { assertBatch } from './checks.js';

/**
 * The `q`-th percentile (0..100) of each sample and channel, numpy's default linear
 * interpolation: sorted value at position `q / 100 * (P - 1)`, interpolated between neighbours.
 * Uses `tf.topk` on the smaller side only (k is about `min(q, 100 - q)` percent of the voxels).
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @returns `[N, C]` float32.
 * @example `percentile(ct, 99.5)`
 */
export function percentile(x: tf.Tensor, q: number): tf.Tensor2D {
  const fn = 'percentile';
  assertBatch(fn, 'x', x);
  assertNumber(fn, 'q', q, { min: 0, max: 100 });
  // topk ranks NaN unpredictably: the percentile would be NaN or a shifted value.
  assertFinite(fn, 'x', x);
  return percentileOf(x, q);
}

/** {@link percentile} without the checks, for callers that made them. */
function percentileOf(x: tf.Tensor, q: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const c = x.shape[x.rank - 1]!;
    const p = x.size / (n * c);
    const rows = tf.transpose(tf.reshape(tf.cast(x, 'float32'), [n, p, c]), [0, 2, 1]);
    const position = (q / 100) * (p - 1);
    const lo = Math.floor(position);
    const hi = Math.min(lo + 1, p - 1);
    const frac = position - lo;
    let low: tf.Tensor;
    let high: tf.Tensor;
    if (lo >= (p - 1) / 2) {
      // Descending top values: ascending index i is descending index p - 1 - i.
      const top = tf.topk(rows, p - lo).values;
      low = tf.slice(top, [0, 0, p - 1 - lo], [-1, -1, 1]);
      high = tf.slice(top, [0, 0, p - 1 - hi], [-1, -1, 1]);
    } else {
      const bottom = tf.neg(tf.topk(tf.neg(rows), hi + 1).values);
      low = tf.slice(bottom, [0, 0, lo], [-1, -1, 1]);
      high = tf.slice(bottom, [0, 0, hi], [-1, -1, 1]);
    }
    const value = frac === 0 ? low : tf.add(low, tf.mul(tf.sub(high, low), tf.scalar(frac)));
    return tf.reshape(value, [n, c]) as tf.Tensor2D;
  });
}

/** Options of {@link percentileClip}. */
export interface PercentileClipOptions {
  /** Lower percentile. Default 0.5 (nnU-Net's CT normalization). */
  lower?: number;
  /** Upper percentile. Default 99.5. */
  upper?: number;
}

/**
 * Clips each sample and channel to its `[lower, upper]` percentiles (nnU-Net clips CT to the
 * 0.5 / 99.5 percentiles of the foreground before normalizing).
 *
 * @example `percentileClip(image)` // per sample and channel, 0.5..99.5
 */
export function percentileClip(x: tf.Tensor, options: PercentileClipOptions = {}): tf.Tensor {
  const fn = 'percentileClip';
  assertBatch(fn, 'x', x);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['lower', 'upper']);
  const { lower = 0.5, upper = 99.5 } = options;
  assertNumber(fn, 'options.lower', lower, { min: 0, max: 100 });
  assertNumber(fn, 'options.upper', upper, { min: 0, max: 100 });
  if (lower > upper) fail(fn, 'options.lower', lower, `at most options.upper (${upper})`);
  assertFinite(fn, 'x', x);
  return tf.tidy(() => {
    const shape = [x.shape[0]!, ...x.shape.slice(1, -1).map(() => 1), x.shape[x.rank - 1]!];
    const lo = tf.reshape(percentileOf(x, lower), shape);
    const hi = tf.reshape(percentileOf(x, upper), shape);
    return tf.minimum(tf.maximum(tf.cast(x, 'float32'), lo), hi);
  });
}
