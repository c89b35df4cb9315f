import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumberArray, assertOneOf, assertRank } from '../core/assert.js';
import { assertChannelsLast, type ChannelsLastLayerArgs } from './args.js';
import { halfPixelLerpAxis, repeatAxis } from './resizeAxis.js';

/** Options of {@link upSampling3d}. */
export interface UpSampling3DArgs extends ChannelsLastLayerArgs {
  /** Integer factors along depth, height and width. Default `[2, 2, 2]`. */
  size?: [number, number, number];
  /**
   * `'nearest'` (default; what Keras' UpSampling3D does) or `'linear'` (trilinear, a unet-kit
   * extension with half-pixel centres as PyTorch's `interpolate(mode='trilinear',
   * align_corners=False)` and MONAI: `[1, 10]` doubled is `[1, 3.25, 7.75, 10]`).
   */
  interpolation?: 'nearest' | 'linear';
}

/**
 * Repeats (nearest) or trilinearly interpolates a channels-last volume `[N, D, H, W, C]` by
 * integer factors, giving `[N, D*sd, H*sh, W*sw, C]`. The layer tfjs 4.22 lacks; saved under
 * Keras' class name `UpSampling3D` with Keras' `size` key.
 *
 * @example
 * ```ts
 * const up = new UpSampling3D({ size: [2, 2, 2] }).apply(tfl.input({ shape: [8, 8, 8, 16] })); // [null, 16, 16, 16, 16]
 * ```
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
    assertChannelsLast('UpSampling3D', args.dataFormat);
    this.size = [...size] as [number, number, number];
    this.interpolation = interpolation;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    assertRank('UpSampling3D', 'input', { shape }, [5], '[N, D, H, W, C], channels last');
    const scale = (d: number | null, f: number) => (d === null ? null : d * f);
    return [shape[0] ?? null, scale(shape[1] ?? null, this.size[0]), scale(shape[2] ?? null, this.size[1]), scale(shape[3] ?? null, this.size[2]), shape[4] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let y = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      assertRank('UpSampling3D', 'input', { shape: y.shape }, [5], '[N, D, H, W, C], channels last');
      // One axis at a time: trilinear interpolation is separable.
      for (let axis = 1; axis <= 3; axis++) {
        const factor = this.size[axis - 1]!;
        if (factor !== 1) y = this.interpolation === 'nearest' ? repeatAxis(y, axis, factor) : halfPixelLerpAxis(y, axis, factor);
      }
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Keras' UpSampling3D has no `interpolation` argument: write it only when it is not Keras'
    // behaviour, so nearest models stay loadable by Keras.
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), size: [...this.size], data_format: 'channels_last' };
    if (this.interpolation !== 'nearest') config.interpolation = this.interpolation;
    return config;
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
