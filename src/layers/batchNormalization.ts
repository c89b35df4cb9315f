import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';

/** Options of {@link batchNormalization}: those of `tf.layers.batchNormalization`. */
export type BatchNormalizationArgs = Parameters<typeof tfl.layers.batchNormalization>[0];

type StockBatchNorm = ReturnType<typeof tfl.layers.batchNormalization>;
type StockBatchNormClass = new (args?: BatchNormalizationArgs) => StockBatchNorm;

// tfjs-layers does not export its BatchNormalization class; its serialization entry is the
// public handle on it. If unet-kit's class is registered already (a second copy of this module),
// take its parent so the subclass chain never wraps itself.
function stockClass(): StockBatchNormClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (entry === undefined) throw new Error('unet-kit: tfjs-layers did not register BatchNormalization');
  let cls = entry[0] as unknown as StockBatchNormClass & { unetKitRank5?: boolean };
  while (cls.unetKitRank5 === true) cls = Object.getPrototypeOf(cls) as StockBatchNormClass & { unetKitRank5?: boolean };
  return cls;
}

const Base = stockClass();

/**
 * Keras' `BatchNormalization` over the channel (last) axis, extended to rank-5 input
 * (`[N, D, H, W, C]` volumes), which tfjs 4.22's layer rejects ("not implemented for array of
 * rank 5") and tfjs-core's `batchNorm` cannot differentiate.
 *
 * A rank-5 input is reshaped to `[N, D*H, W, C]` around the stock rank-4 computation. The
 * statistics are per channel over all other axes (Ioffe & Szegedy 2015, "Batch Normalization",
 * Alg. 1, with the per-feature-map statistics of their Sec. 3.2), and merging two non-channel
 * axes changes neither the set of values each channel's mean and variance are taken over nor the
 * gradient, so the result equals Keras' 3D batch norm (checked against a float64 evaluation of
 * the formula in the tests). Rank 2..4 input runs the stock layer unchanged.
 *
 * Registered under Keras' class name `BatchNormalization`, replacing tfjs' registration: the
 * saved topology stays the one Keras (Python) reads for 2D and 3D nets, and a program that
 * imports `unet-kit/layers` loads 3D nets saved by unet-kit. Rank <= 4 behaves exactly like the
 * stock layer, so other models loaded in the same program are unaffected.
 */
export class BatchNormalization extends Base {
  /** Keras class name, used by save/load. */
  static className = 'BatchNormalization';
  /** Marks unet-kit's subclass (see `stockClass`). */
  static unetKitRank5 = true;

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const self = this as unknown as { axis: number };
    if (shape.length === 5) {
      if (self.axis !== -1 && self.axis !== 4) {
        throw new UnetKitError('BatchNormalization', 'args.axis', `is ${self.axis} for a rank-5 input; only the channel axis (-1 or 4) is supported.`);
      }
      // The rank-4 view of the input has its channels at -1 too.
      self.axis = -1;
    }
    // Weights are [C] and the input spec is {ndim: 5, axes: {4: C}} whatever the rank.
    super.build(shape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 5) return super.call(inputs, kwargs);
    const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
    return tf.tidy(() => {
      const y = super.call(tf.reshape(x, [n, d * h, w, c]), kwargs) as tf.Tensor;
      return tf.reshape(y, [n, d, h, w, c]);
    });
  }
}
tf.serialization.registerClass(BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * Batch normalization over the channel (last) axis, for 2D (`[N, H, W, C]`) and 3D
 * (`[N, D, H, W, C]`) feature maps: the library's one entry point for batch norm.
 * Defaults are Keras': momentum 0.99, epsilon 1e-3, center and scale on.
 *
 * @example
 * ```ts
 * const bn = batchNormalization({ name: 'enc1_bn1' });
 * const y = bn.apply(tf.input({ shape: [8, 8, 8, 4] })); // rank 5 works, forward and backward
 * ```
 */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization({ axis: -1, ...args });
}
