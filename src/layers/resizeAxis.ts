import * as tf from '@tensorflow/tfjs-core';
import { product } from '../core/shape.js';

// Integer-factor up-sampling along one axis, built from slices, concats and products only: their
// gradients exist and are exact on every backend (tfjs' ResizeBilinearGrad ignores half-pixel
// centres, and tfjs-backend-cpu's reports a transposed shape for non-square images).

/** Repeats every slice along `axis` `factor` times (nearest-neighbour up-sampling). */
export function repeatAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  const shape = x.shape;
  const outer = product(shape.slice(0, axis + 1));
  const inner = product(shape.slice(axis + 1));
  const repeated = tf.tile(tf.reshape(x, [outer, 1, inner]), [1, factor, 1]);
  return tf.reshape(repeated, shape.map((d, i) => (i === axis ? d * factor : d)));
}

/**
 * Linear up-sampling along `axis` by an integer factor with half-pixel centres, the convention
 * of Keras' `UpSampling2D(interpolation='bilinear')` / `tf.image.resize` and PyTorch's
 * `interpolate(align_corners=False)`: output `j = i * factor + k` reads source coordinate
 * `(j + 0.5) / factor - 0.5 = i + d_k`, `d_k = (k + 0.5) / factor - 0.5` in (-0.5, 0.5), so
 * `(1 - |d_k|) * x[i] + |d_k| * x[i - 1 or i + 1]`, the neighbour clamped at the edges. `[1, 10]`
 * doubled is `[1, 3.25, 7.75, 10]`.
 */
export function halfPixelLerpAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  const shape = x.shape;
  const length = shape[axis]!;
  const x3 = tf.reshape(x, [product(shape.slice(0, axis)), length, product(shape.slice(axis + 1))]);
  const first = tf.slice(x3, [0, 0, 0], [-1, 1, -1]);
  const last = tf.slice(x3, [0, length - 1, 0], [-1, 1, -1]);
  const previous = length === 1 ? x3 : tf.concat([first, tf.slice(x3, [0, 0, 0], [-1, length - 1, -1])], 1);
  const next = length === 1 ? x3 : tf.concat([tf.slice(x3, [0, 1, 0], [-1, length - 1, -1]), last], 1);
  const offsets = Array.from({ length: factor }, (_, k) => (k + 0.5) / factor - 0.5);
  const weights = (values: number[]) => tf.tensor4d(values, [1, 1, factor, 1]);
  const mixed = tf.addN([
    tf.mul(tf.expandDims(previous, 2), weights(offsets.map((d) => Math.max(-d, 0)))),
    tf.mul(tf.expandDims(x3, 2), weights(offsets.map((d) => 1 - Math.abs(d)))),
    tf.mul(tf.expandDims(next, 2), weights(offsets.map((d) => Math.max(d, 0)))),
  ]);
  return tf.reshape(mixed, shape.map((d, i) => (i === axis ? d * factor : d)));
}
