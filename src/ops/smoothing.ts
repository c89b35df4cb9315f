import * as tf from '@tensorflow/tfjs-core';
import { borderIndex, gatherWithBorder } from './border.js';

/**
 * Normalized 1D gaussian taps for `sigma` (voxels), radius `round(truncate * sigma)` as
 * `scipy.ndimage.gaussian_filter` (truncate 4).
 */
export function gaussianKernel1d(sigma: number, truncate = 4): number[] {
  const radius = Math.max(1, Math.floor(truncate * sigma + 0.5));
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / total);
}

/**
 * Separable gaussian smoothing of the spatial axes of `x` `[N, ...S, C]` with one sigma per axis
 * (0 skips an axis). Each pass reshapes to 4D and runs a `k x 1` conv2d, so 3D runs as fast 2D
 * convolutions on every backend; borders mirror with the edge repeated (scipy's `'reflect'`).
 */
export function smoothSpatial(x: tf.Tensor, sigmas: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const spatial = x.shape.slice(1, -1);
    const channels = x.shape[x.rank - 1]!;
    let out = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    sigmas.forEach((sigma, a) => {
      if (sigma <= 0) return;
      const taps = gaussianKernel1d(sigma);
      const radius = (taps.length - 1) / 2;
      const size = spatial[a]!;
      const before = x.shape[0]! * spatial.slice(0, a).reduce((p, s) => p * s, 1);
      const after = spatial.slice(a + 1).reduce((p, s) => p * s, 1) * channels;
      const four = tf.reshape(out, [before, size, after, 1]);
      const indices = Array.from({ length: size + 2 * radius }, (_, j) => borderIndex(j - radius, size, 'symmetric'));
      const padded = gatherWithBorder(four, 1, indices, 0);
      const filtered = tf.conv2d(padded as tf.Tensor4D, tf.tensor4d(taps, [taps.length, 1, 1, 1]), 1, 'valid');
      out = tf.reshape(filtered, x.shape);
    });
    return out === x ? tf.clone(x) : out;
  });
}
