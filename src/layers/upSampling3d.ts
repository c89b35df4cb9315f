import * as tf from '@tensorflow/tfjs-core';
import { product } from '../core/shape.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumberArray, assertOneOf, assertRank } from '../core/assert.js';
import { assertChannelsLast, type ChannelsLastLayerArgs } from './args.js';

/** Options of {@link upSampling3d}. */
export interface UpSampling3DArgs extends ChannelsLastLayerArgs {
  /** Integer factors along depth, height and width. Default `[2, 2, 2]`. */
  size?: [number, number, number];
  /**
   * `'nearest'` (default; what Keras' UpSampling3D does) or `'linear'` (trilinear; a unet-kit
   * extension with tfjs' bilinear convention, as tfjs' UpSampling2D: source coordinate
   * `i / factor`, no half-pixel shift, clamped at the far edge; so `[1, 10]` doubled is
   * `[1, 5.5, 10, 10]`, where PyTorch/MONAI (half-pixel) give `[1, 3.25, 7.75, 10]`).
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
 * const up = new UpSampling3D({ size: [2, 2, 2] }).apply(tf.input({ shape: [8, 8, 8, 16] })); // [null, 16, 16, 16, 16]
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
      // One axis at a time on a rank-3/4 view, with ops whose gradients exist on every backend
      // (tfjs-backend-cpu's ResizeBilinearGrad reports a transposed shape for non-square
      // images, so tf.image resizes cannot train here).
      for (let axis = 1; axis <= 3; axis++) {
        const factor = this.size[axis - 1]!;
        if (factor !== 1) y = this.interpolation === 'nearest' ? repeatAxis(y, axis, factor) : lerpAxis(y, axis, factor);
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

/** Repeats every slice along `axis` `factor` times (nearest-neighbour up-sampling). */
function repeatAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  const shape = x.shape;
  const outer = product(shape.slice(0, axis + 1));
  const inner = product(shape.slice(axis + 1));
  const repeated = tf.tile(tf.reshape(x, [outer, 1, inner]), [1, factor, 1]);
  return tf.reshape(repeated, shape.map((d, i) => (i === axis ? d * factor : d)));
}

/**
 * Linear up-sampling along `axis` by an integer factor: output `j` reads source coordinate
 * `j / factor`, i.e. `(1 - f) * x[i] + f * x[i + 1]` with `i = floor(j / factor)`,
 * `f = (j mod factor) / factor`, and `x[i + 1]` clamped to the last slice.
 */
function lerpAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  const shape = x.shape;
  const length = shape[axis]!;
  const x3 = tf.reshape(x, [product(shape.slice(0, axis)), length, product(shape.slice(axis + 1))]);
  const following =
    length === 1 ? x3 : tf.concat([tf.slice(x3, [0, 1, 0], [-1, length - 1, -1]), tf.slice(x3, [0, length - 1, 0], [-1, 1, -1])], 1);
  const fractions = Array.from({ length: factor }, (_, k) => k / factor);
  const weightNext = tf.tensor4d(fractions, [1, 1, factor, 1]);
  const weightHere = tf.tensor4d(fractions.map((f) => 1 - f), [1, 1, factor, 1]);
  const mixed = tf.add(tf.mul(tf.expandDims(x3, 2), weightHere), tf.mul(tf.expandDims(following, 2), weightNext));
  return tf.reshape(mixed, shape.map((d, i) => (i === axis ? d * factor : d)));
}

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
