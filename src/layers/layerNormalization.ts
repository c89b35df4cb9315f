import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';

/** Options of {@link layerNormalization}: those of `tf.layers.layerNormalization`. */
export type LayerNormalizationArgs = Parameters<typeof tfl.layers.layerNormalization>[0];

type StockLayerNorm = ReturnType<typeof tfl.layers.layerNormalization>;
type StockLayerNormClass = (new (args?: LayerNormalizationArgs) => StockLayerNorm) & { unetKitLayerNorm?: boolean };

// As for BatchNormalization: tfjs-layers does not export the class; its serialization entry is
// the handle. Skip unet-kit's own subclass if a second copy of this module registered it.
function stockClass(): StockLayerNormClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['LayerNormalization'];
  if (entry === undefined) throw new UnetKitError('LayerNormalization', '@tensorflow/tfjs-layers', 'did not register its LayerNormalization class; expected @tensorflow/tfjs-layers ^4.22.');
  let cls = entry[0] as unknown as StockLayerNormClass;
  while (cls.unetKitLayerNorm === true) cls = Object.getPrototypeOf(cls) as StockLayerNormClass;
  return cls;
}

const Base = stockClass();

/**
 * Keras' `LayerNormalization` (Ba et al. 2016, "Layer Normalization"): per position,
 * `gamma * (x - mean) / sqrt(var + epsilon) + beta` over `axis` (default the channels), biased
 * variance. Same arguments, weights and saved config as tfjs' layer, whose computation it
 * replaces: tfjs 4.22 routes it through `batchNorm`, which rejects rank-5 input (`[N, D, H, W, C]`
 * volumes: "batchNormalization is not implemented for array of rank 5") and, with
 * `center: false, scale: false`, fails in training ("Cannot read properties of undefined
 * (reading 'dataId')"). Here it is plain moments and arithmetic, at any rank, differentiable.
 * Registered under Keras' class name, replacing tfjs' registration (results equal tfjs' to
 * float32 rounding where tfjs works).
 *
 * @example
 * ```ts
 * const y = layerNormalization({ epsilon: 1e-5 }).apply(tfl.input({ shape: [8, 8, 8, 12] })); // rank 5
 * ```
 */
export class LayerNormalization extends Base {
  /** Keras class name, used by save/load. */
  static className = 'LayerNormalization';
  /** Marks unet-kit's subclass (see `stockClass`). */
  static override unetKitLayerNorm = true;

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const self = this as unknown as { axis: number[]; epsilon: number; gamma: tfl.LayerVariable | null; beta: tfl.LayerVariable | null };
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const { mean, variance } = tf.moments(x, self.axis, true);
      const shape = x.shape.map((d, i) => (self.axis.includes(i) ? d : 1));
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, self.epsilon)));
      if (self.gamma !== null) y = tf.mul(y, tf.reshape(self.gamma.read(), shape));
      if (self.beta !== null) y = tf.add(y, tf.reshape(self.beta.read(), shape));
      return y;
    });
  }
}
tf.serialization.registerClass(LayerNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * Creates a {@link LayerNormalization} layer (`tf.layers.layerNormalization`'s arguments).
 *
 * @example
 * ```ts
 * const norm = layerNormalization({ epsilon: 1e-5, name: 'block1_norm1' });
 * ```
 */
export function layerNormalization(args: LayerNormalizationArgs = {}): LayerNormalization {
  return new LayerNormalization(args);
}
