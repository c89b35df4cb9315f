import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import { assertFinite } from '../ops/assertFinite.js';
import { assertBatch } from './checks.js';

/** Options of {@link histogramEqualize}. */
export interface HistogramEqualizeOptions {
  /** Number of histogram bins between each channel's min and max. Default 256 (skimage). */
  bins?: number;
}

/**
 * Histogram equalization per sample and channel: each voxel becomes the empirical CDF of its
 * bin, `#{voxels in bins <= its bin} / #voxels`, in (0, 1] (skimage's `equalize_hist` without
 * the bin-centre interpolation). Sorting (`tf.topk`) and `tf.searchSorted` make it a few
 * tensor ops on any backend.
 *
 * @example `histogramEqualize(image, { bins: 256 })`
 */
export function histogramEqualize(x: tf.Tensor, options: HistogramEqualizeOptions = {}): tf.Tensor {
  const fn = 'histogramEqualize';
  assertBatch(fn, 'x', x);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['bins']);
  const { bins = 256 } = options;
  assertInteger(fn, 'options.bins', bins, { min: 2 });
  // A NaN makes the channel's min and max NaN: every voxel would fall in no bin.
  assertFinite(fn, 'x', x);
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const c = x.shape[x.rank - 1]!;
    const p = x.size / (n * c);
    const rows = tf.reshape(tf.transpose(tf.reshape(tf.cast(x, 'float32'), [n, p, c]), [0, 2, 1]), [n * c, p]);
    const low = tf.min(rows, 1, true);
    const span = tf.sub(tf.max(rows, 1, true), low);
    const safe = tf.where(tf.greater(span, 0), span, tf.onesLike(span));
    const bin = tf.minimum(tf.floor(tf.mul(tf.div(tf.sub(rows, low), safe), tf.scalar(bins))), tf.scalar(bins - 1));
    const sorted = tf.neg(tf.topk(tf.neg(bin), p).values);
    const cdf = tf.div(tf.cast(tf.searchSorted(sorted, bin, 'right'), 'float32'), tf.scalar(p));
    return tf.reshape(tf.transpose(tf.reshape(cdf, [n, c, p]), [0, 2, 1]), x.shape);
  });
}
