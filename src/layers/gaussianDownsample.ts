import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link gaussianDownsample}. */
export type GaussianDownsampleArgs = LayerBaseArgs;

// Burt & Adelson's 5-tap generating kernel with a = 3/8: the binomial [1, 4, 6, 4, 1] / 16.
const TAPS = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

/**
 * One level of a Gaussian pyramid (Burt & Adelson 1983, "The Laplacian Pyramid as a Compact
 * Image Code", REDUCE): blurs every spatial axis with the 5-tap binomial kernel
 * `[1, 4, 6, 4, 1] / 16` (symmetric border, so a constant image stays constant) and keeps every
 * second sample: `[N, ...S, C] -> [N, ...ceil(S / 2), C]`, any rank, per channel. No weights.
 *
 * @example
 * ```ts
 * const half = gaussianDownsample().apply(image); // [N, 64, 64, 1] -> [N, 32, 32, 1]
 * ```
 */
export class GaussianDownsample extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'GaussianDownsample';

  constructor(args: GaussianDownsampleArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length < 3 || typeof shape[shape.length - 1] !== 'number') {
      throw new UnetKitError(GaussianDownsample.className, 'input shape', `is ${formatValue(shape)}; expected [N, ...spatial, C] with a known channel count.`);
    }
    return shape.map((d, i) => (i === 0 || i === shape.length - 1 || d === null ? d : Math.ceil(d / 2)));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const channels = x.shape[x.rank - 1]!;
      const kernel = tf.tile(tf.reshape(tf.tensor1d(TAPS), [5, 1, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
      for (let axis = 1; axis < x.rank - 1; axis++) {
        const shape = x.shape;
        const before = shape.slice(0, axis).reduce((a, b) => a * b, 1);
        const after = shape.slice(axis + 1, -1).reduce((a, b) => a * b, 1);
        // The axis as the rows of a 2D depthwise conv: one code path for every rank.
        const rows = tf.reshape(x, [before, shape[axis]!, after, channels]) as tf.Tensor4D;
        const padded = tf.mirrorPad(rows, [[0, 0], [2, 2], [0, 0], [0, 0]], 'symmetric');
        const reduced = tf.depthwiseConv2d(padded, kernel, [2, 1], 'valid');
        x = tf.reshape(reduced, [...shape.slice(0, axis), reduced.shape[1], ...shape.slice(axis + 1)]);
      }
      return x;
    });
  }
}
tf.serialization.registerClass(GaussianDownsample);

/**
 * Creates a {@link GaussianDownsample} layer.
 *
 * @example
 * ```ts
 * const level1 = gaussianDownsample({ name: 'scale1_gauss' }).apply(input);
 * ```
 */
export function gaussianDownsample(args: GaussianDownsampleArgs = {}): GaussianDownsample {
  return new GaussianDownsample(args);
}
