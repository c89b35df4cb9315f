import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumberArray, assertOneOf, assertRank } from '../core/assert.js';
import { assertChannelsLast, type ChannelsLastLayerArgs } from './args.js';
import { halfPixelLerpAxis, repeatAxis } from './resizeAxis.js';

/** Options of {@link upSampling2d} (Keras `UpSampling2D` arguments). */
export interface UpSampling2DArgs extends ChannelsLastLayerArgs {
  /** Integer factors along height and width. Default `[2, 2]`. */
  size?: [number, number];
  /**
   * `'nearest'` (default) repeats pixels; `'bilinear'` interpolates with half-pixel centres, as
   * Keras (`tf.image.resize`) and PyTorch `align_corners=False`: `[1, 10]` doubled is
   * `[1, 3.25, 7.75, 10]` (tfjs' own UpSampling2D gives `[1, 5.5, 10, 10]`).
   */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Keras' `UpSampling2D` with Keras' arithmetic: repeats (nearest) or bilinearly interpolates a
 * channels-last image `[N, H, W, C]` by integer factors, giving `[N, H*sh, W*sw, C]`. tfjs 4.22's
 * own layer of this name interpolates without half-pixel centres, so a model converted to Keras
 * differed by up to 0.1; this class is registered under the same class name and replaces it in
 * `tf.serialization`, so saved models load in Keras as a stock `UpSampling2D` and compute the
 * same values. Forward and gradient are built from slices and products (exact on every backend).
 *
 * @example
 * ```ts
 * const up = new UpSampling2D({ size: [2, 2], interpolation: 'bilinear' }).apply(tfl.input({ shape: [8, 8, 4] })); // [null, 16, 16, 4]
 * ```
 */
export class UpSampling2D extends tfl.layers.Layer {
  /** Keras class name, used by save/load. */
  static className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const size = args.size ?? [2, 2];
    assertNumberArray('UpSampling2D', 'args.size', size, { min: 1, integer: true }, 2);
    const interpolation = args.interpolation ?? 'nearest';
    assertOneOf('UpSampling2D', 'args.interpolation', interpolation, ['nearest', 'bilinear']);
    assertChannelsLast('UpSampling2D', args.dataFormat);
    this.size = [...size] as [number, number];
    this.interpolation = interpolation;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    assertRank('UpSampling2D', 'input', { shape }, [4], '[N, H, W, C], channels last');
    const scale = (d: number | null, f: number) => (d === null ? null : d * f);
    return [shape[0] ?? null, scale(shape[1] ?? null, this.size[0]), scale(shape[2] ?? null, this.size[1]), shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let y = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      assertRank('UpSampling2D', 'input', { shape: y.shape }, [4], '[N, H, W, C], channels last');
      // Bilinear interpolation is separable: one axis at a time.
      for (let axis = 1; axis <= 2; axis++) {
        const factor = this.size[axis - 1]!;
        if (factor !== 1) y = this.interpolation === 'nearest' ? repeatAxis(y, axis, factor) : halfPixelLerpAxis(y, axis, factor);
      }
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: [...this.size], data_format: 'channels_last', interpolation: this.interpolation };
  }
}
tf.serialization.registerClass(UpSampling2D);

/**
 * Creates an {@link UpSampling2D} layer (Keras semantics; use it instead of
 * `tf.layers.upSampling2d`, whose bilinear mode has no half-pixel centres).
 *
 * @example
 * ```ts
 * const up = upSampling2d({ size: [2, 2], interpolation: 'bilinear' }); // [1, 4, 4, 8] -> [1, 8, 8, 8]
 * ```
 */
export function upSampling2d(args: UpSampling2DArgs = {}): UpSampling2D {
  return new UpSampling2D(args);
}
