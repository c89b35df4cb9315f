import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumberArray, assertOneOf } from '../core/assert.js';

/** Options of {@link upSampling3d}. */
export interface UpSampling3DArgs {
  /** Integer factors along depth, height and width. Default `[2, 2, 2]`. */
  size?: [number, number, number];
  /**
   * `'nearest'` (default; what Keras' UpSampling3D does) or `'linear'` (trilinear; a unet-kit
   * extension, computed as two tfjs bilinear resizes with tfjs' convention: alignCorners false,
   * no half-pixel shift, like tfjs' UpSampling2D).
   */
  interpolation?: 'nearest' | 'linear';
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  dtype?: tf.DataType;
}

/**
 * Repeats (nearest) or trilinearly interpolates a channels-last volume `[N, D, H, W, C]` by
 * integer factors, giving `[N, D*sd, H*sh, W*sw, C]`. The layer tfjs 4.22 lacks; saved under
 * Keras' class name `UpSampling3D` with Keras' `size` key.
 */
export class UpSampling3D extends tfl.layers.Layer {
  /** Keras class name, used by save/load. */
  static className = 'UpSampling3D';
  readonly size: [number, number, number];
  readonly interpolation: 'nearest' | 'linear';

  constructor(args: UpSampling3DArgs = {}) {
    super(args);
    const size = args.size ?? [2, 2, 2];
    assertNumberArray('UpSampling3D', 'args.size', size, { min: 1, integer: true }, 3);
    const interpolation = args.interpolation ?? 'nearest';
    assertOneOf('UpSampling3D', 'args.interpolation', interpolation, ['nearest', 'linear']);
    this.size = [...size] as [number, number, number];
    this.interpolation = interpolation;
    this.inputSpec = [{ ndim: 5 }];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const scale = (d: number | null, f: number) => (d === null ? null : d * f);
    return [shape[0] ?? null, scale(shape[1] ?? null, this.size[0]), scale(shape[2] ?? null, this.size[1]), scale(shape[3] ?? null, this.size[2]), shape[4] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor5D;
      const [n, d, h, w, c] = x.shape;
      const [sd, sh, sw] = this.size;
      const resize = (image: tf.Tensor4D, size: [number, number]) =>
        this.interpolation === 'nearest' ? tf.image.resizeNearestNeighbor(image, size) : tf.image.resizeBilinear(image, size);
      // Height and width as a batch of 2D images, then depth against the flattened plane
      // (a resize that keeps a dimension's size is the identity along it).
      const planes = resize(tf.reshape(x, [n * d, h, w, c]), [h * sh, w * sw]);
      const stacked = tf.reshape(planes as tf.Tensor, [n, d, h * sh * w * sw, c]);
      const deep = resize(stacked as tf.Tensor4D, [d * sd, h * sh * w * sw]);
      return tf.reshape(deep, [n, d * sd, h * sh, w * sw, c]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: [...this.size], interpolation: this.interpolation, data_format: 'channels_last' };
  }
}
tf.serialization.registerClass(UpSampling3D);

/**
 * Creates an {@link UpSampling3D} layer.
 *
 * @example
 * ```ts
 * const up = upSampling3d({ size: [2, 2, 2] }); // [1, 4, 4, 4, 8] -> [1, 8, 8, 8, 8]
 * ```
 */
export function upSampling3d(args: UpSampling3DArgs = {}): UpSampling3D {
  return new UpSampling3D(args);
}
