import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertRank, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertChannelsLast, type ChannelsLastLayerArgs } from './args.js';

/**
 * How much a cropping layer removes: one number for every side of every spatial axis, one
 * number per axis (both sides), or `[before, after]` per axis (Keras' three forms).
 */
export type CroppingSpec = number | readonly number[] | ReadonlyArray<readonly [number, number]>;

/** Options of {@link cropping2d} and {@link cropping3d} (Keras `Cropping2D` / `Cropping3D` arguments). */
export interface CroppingArgs extends ChannelsLastLayerArgs {
  /** What to remove from each spatial axis (see {@link CroppingSpec}). Default 0. */
  cropping?: CroppingSpec;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Normalizes a {@link CroppingSpec} to `[before, after]` per axis, or throws naming `className`. */
function resolveCropping(className: string, cropping: unknown, axes: number): Array<[number, number]> {
  const expected = `a non-negative integer, ${axes} of them, or ${axes} [before, after] pairs`;
  if (isCount(cropping)) return Array.from({ length: axes }, () => [cropping, cropping]);
  if (!Array.isArray(cropping) || cropping.length !== axes) return fail(className, 'args.cropping', cropping, expected);
  if (cropping.every(isCount)) return cropping.map((c: number) => [c, c]);
  if (cropping.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isCount))) {
    return cropping.map((pair: [number, number]) => [pair[0], pair[1]]);
  }
  return fail(className, 'args.cropping', cropping, expected);
}

/**
 * The shared body of the cropping layers: removes `[before, after]` positions from each spatial
 * axis of a channels-last tensor. Unknown (`null`) sizes stay unknown, so a valid-padding U-Net
 * can take any input size (tfjs 4.22's own `Cropping2D` computes `null - before - after` as a
 * negative size).
 */
abstract class CroppingBase extends tfl.layers.Layer {
  readonly cropping: Array<[number, number]>;
  private readonly axes: number;

  protected constructor(className: string, axes: number, args: CroppingArgs) {
    super(args);
    assertChannelsLast(className, args.dataFormat);
    this.axes = axes;
    this.cropping = resolveCropping(className, args.cropping ?? 0, axes);
  }

  private checkShape(shape: ReadonlyArray<number | null>): void {
    const className = this.getClassName();
    const layout = this.axes === 2 ? '[N, H, W, C]' : '[N, D, H, W, C]';
    assertRank(className, 'input', { shape: [...shape] }, [this.axes + 2], `${layout}, channels last`);
    this.cropping.forEach(([before, after], i) => {
      const size = shape[i + 1];
      if (typeof size === 'number' && size - before - after < 1) {
        throw new UnetKitError(
          className,
          'input',
          `has shape ${formatValue([...shape])}; axis ${i + 1} (size ${size}) must be larger than its cropping ${before} + ${after}.`,
        );
      }
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    this.checkShape(shape);
    return shape.map((size, axis) => {
      const crop = this.cropping[axis - 1];
      return crop === undefined || size === null ? size : size - crop[0] - crop[1];
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      this.checkShape(x.shape);
      const begin = x.shape.map((_, axis) => this.cropping[axis - 1]?.[0] ?? 0);
      const size = x.shape.map((s, axis) => {
        const crop = this.cropping[axis - 1];
        return crop === undefined ? s : s - crop[0] - crop[1];
      });
      return tf.slice(x, begin, size);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cropping: this.cropping.map(([b, a]) => [b, a]), data_format: 'channels_last' };
  }
}

/**
 * Keras' `Cropping2D`: removes `[before, after]` rows and columns from a channels-last image,
 * `[N, H, W, C] -> [N, H - t - b, W - l - r, C]`; the crop-and-concatenate skips of the 2015
 * U-Net. Registered under Keras' class name, replacing tfjs 4.22's layer of that name, which
 * gives negative sizes for `null` (any-size) inputs; saved configs are Keras' own.
 *
 * @example
 * ```ts
 * const y = new Cropping2D({ cropping: [[4, 4], [4, 4]] }).apply(tfl.input({ shape: [64, 64, 512] })); // [null, 56, 56, 512]
 * ```
 */
export class Cropping2D extends CroppingBase {
  /** Keras class name, used by save/load. */
  static className = 'Cropping2D';

  constructor(args: CroppingArgs = {}) {
    super('Cropping2D', 2, args);
  }
}
tf.serialization.registerClass(Cropping2D);

/**
 * Keras' `Cropping3D` (absent from tfjs 4.22): removes `[before, after]` positions from each
 * spatial axis of a channels-last volume, `[N, D, H, W, C] -> [N, D - ..., H - ..., W - ..., C]`.
 *
 * @example
 * ```ts
 * const y = new Cropping3D({ cropping: 4 }).apply(tfl.input({ shape: [16, 16, 16, 8] })); // [null, 8, 8, 8, 8]
 * ```
 */
export class Cropping3D extends CroppingBase {
  /** Keras class name, used by save/load. */
  static className = 'Cropping3D';

  constructor(args: CroppingArgs = {}) {
    super('Cropping3D', 3, args);
  }
}
tf.serialization.registerClass(Cropping3D);

/**
 * Creates a {@link Cropping2D} layer.
 *
 * @example `cropping2d({ cropping: 2 })` maps `[N, 10, 10, C]` to `[N, 6, 6, C]`.
 */
export function cropping2d(args: CroppingArgs = {}): Cropping2D {
  return new Cropping2D(args);
}

/**
 * Creates a {@link Cropping3D} layer.
 *
 * @example `cropping3d({ cropping: [1, 2, 3] })` maps `[N, 8, 8, 8, C]` to `[N, 6, 4, 2, C]`.
 */
export function cropping3d(args: CroppingArgs = {}): Cropping3D {
  return new Cropping3D(args);
}
