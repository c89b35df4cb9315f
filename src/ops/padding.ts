import * as tf from '@tensorflow/tfjs-core';
import {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOneOf,
  assertOptionsObject,
  assertRank,
  fail,
} from '../core/assert.js';
import { BORDER_MODES, padSpatial, type BorderMode } from './border.js';

/** Where the padding goes: split around the data (`'center'`, MONAI's DivisiblePad default) or all after it (`'end'`). */
export type PadPosition = 'center' | 'end';

/** Options of {@link padToMultiple}. */
export interface PadToMultipleOptions {
  /** How the new border is filled (numpy.pad names). Default `'constant'`. */
  mode?: BorderMode;
  /** The fill value for `mode: 'constant'`. Default 0. */
  value?: number;
  /** Where the padding goes. Default `'center'` (floor(p/2) before, the rest after). */
  position?: PadPosition;
}

/** Options of {@link cropToShape}. */
export interface CropToShapeOptions {
  /** Which part to keep; must match the `position` used by {@link padToMultiple} to undo it. Default `'center'`. */
  position?: PadPosition;
}

const POSITIONS: readonly PadPosition[] = ['center', 'end'];

function spatialMultiples(functionName: string, multiple: unknown, spatialDims: number): number[] {
  if (typeof multiple === 'number') {
    assertInteger(functionName, 'multiple', multiple, { min: 1 });
    return Array.from({ length: spatialDims }, () => multiple);
  }
  assertNumberArray(functionName, 'multiple', multiple, { min: 1, integer: true }, spatialDims);
  return multiple;
}

/**
 * The sizes divisible by `multiple` nearest to `size`: the one below (when positive) and the one
 * above, ascending; just `[size]` when `size` is already divisible. A U-Net with `d` poolings
 * needs spatial sizes divisible by `2^d`.
 *
 * @example `nearestValidSizes(100, 16)` is `[96, 112]`; `nearestValidSizes(96, 16)` is `[96]`.
 */
export function nearestValidSizes(size: number, multiple: number): number[] {
  assertInteger('nearestValidSizes', 'size', size, { min: 1 });
  assertInteger('nearestValidSizes', 'multiple', multiple, { min: 1 });
  if (size % multiple === 0) return [size];
  const below = Math.floor(size / multiple) * multiple;
  const above = below + multiple;
  return below > 0 ? [below, above] : [above];
}

/**
 * The `[before, after]` padding of each spatial axis that {@link padToMultiple} applies.
 *
 * @param spatialShape - the spatial sizes (`[H, W]` or `[D, H, W]`).
 * @param multiple - one multiple for every axis, or one per axis.
 * @example `paddingToMultiple([100, 96], 16)` is `[[6, 6], [0, 0]]` (100 -> 112).
 */
export function paddingToMultiple(
  spatialShape: readonly number[],
  multiple: number | readonly number[],
  position: PadPosition = 'center',
): Array<[number, number]> {
  assertNumberArray('paddingToMultiple', 'spatialShape', spatialShape, { min: 1, integer: true });
  assertOneOf('paddingToMultiple', 'position', position, POSITIONS);
  const multiples = spatialMultiples('paddingToMultiple', multiple, spatialShape.length);
  return spatialShape.map((size, i) => {
    const m = multiples[i]!;
    const total = Math.ceil(size / m) * m - size;
    const before = position === 'center' ? Math.floor(total / 2) : 0;
    return [before, total - before];
  });
}

/**
 * Pads the spatial axes of a channels-last batch (`[N, H, W, C]` or `[N, D, H, W, C]`) so each
 * is divisible by `multiple` (e.g. `2^depth` for a U-Net of `depth` poolings), as MONAI's
 * `DivisiblePad` / nnU-Net's padding before inference. Undo with {@link cropToShape} using the
 * original spatial shape and the same `position`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param multiple - one multiple for all spatial axes, or one per axis.
 * @returns a new tensor (the caller disposes it); `x` is left alone.
 * @example
 * ```ts
 * const padded = padToMultiple(image, 16, { mode: 'reflect' }); // [1, 100, 90, 1] -> [1, 112, 96, 1]
 * const back = cropToShape(padded, [100, 90]);                  // the input again
 * ```
 */
export function padToMultiple(x: tf.Tensor, multiple: number | readonly number[], options: PadToMultipleOptions = {}): tf.Tensor {
  const fn = 'padToMultiple';
  assertRank(fn, 'x', x, [4, 5], '[N, H, W, C] or [N, D, H, W, C]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['mode', 'value', 'position']);
  const { mode = 'constant', value = 0, position = 'center' } = options;
  assertOneOf(fn, 'options.mode', mode, BORDER_MODES);
  assertNumber(fn, 'options.value', value);
  assertOneOf(fn, 'options.position', position, POSITIONS);
  const spatial = x.shape.slice(1, -1);
  const multiples = spatialMultiples(fn, multiple, spatial.length);
  const pads = paddingToMultiple(spatial, multiples, position);
  return padSpatial(x, pads, mode, value);
}

/**
 * Crops the spatial axes of a channels-last batch to `shape`, the undo of {@link padToMultiple}
 * (centre crop by default: start = floor((size - target) / 2), which is exactly where
 * `padToMultiple` put the data).
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param shape - the spatial shape to keep (`[H, W]` or `[D, H, W]`), each no larger than `x`'s.
 * @example `cropToShape(padToMultiple(x, 16), x.shape.slice(1, -1))` equals `x`.
 */
export function cropToShape(x: tf.Tensor, shape: readonly number[], options: CropToShapeOptions = {}): tf.Tensor {
  const fn = 'cropToShape';
  assertRank(fn, 'x', x, [4, 5], '[N, H, W, C] or [N, D, H, W, C]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['position']);
  const { position = 'center' } = options;
  assertOneOf(fn, 'options.position', position, POSITIONS);
  const spatial = x.shape.slice(1, -1);
  assertNumberArray(fn, 'shape', shape, { min: 1, integer: true }, spatial.length);
  shape.forEach((s, i) => {
    if (s > spatial[i]!) {
      fail(fn, 'shape', shape, `sizes no larger than the input's spatial shape [${spatial.join(', ')}] (axis ${i} is ${s})`);
    }
  });
  const begin = [0, ...shape.map((s, i) => (position === 'center' ? Math.floor((spatial[i]! - s) / 2) : 0)), 0];
  return tf.slice(x, begin, [-1, ...shape, -1]);
}
