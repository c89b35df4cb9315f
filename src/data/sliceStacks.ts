import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownKeys, assertOptionsObject, assertRank, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';

/** Options of {@link sliceStacks}. */
export interface SliceStacksOptions {
  /** Spatial axis to slice along: 0 (D, default), 1 (H) or 2 (W). */
  axis?: number;
  /** Slices per stack, odd: the centre slice and (k - 1) / 2 neighbours each side. Default 3. */
  k?: number;
}

/** Options of {@link stacksToVolume}. */
export interface StacksToVolumeOptions {
  /** The axis given to {@link sliceStacks}. Default 0. */
  axis?: number;
  /** Volumes in the original batch. Default 1. */
  batchSize?: number;
}

function checkAxis(functionName: string, axis: unknown): asserts axis is 0 | 1 | 2 {
  if (axis !== 0 && axis !== 1 && axis !== 2) {
    fail(functionName, 'options.axis', axis, 'a spatial axis 0 (D), 1 (H) or 2 (W)');
  }
}

/** Permutation moving spatial axis `axis` of `[N, D, H, W, C]` next to the batch axis. */
function toFront(axis: number): number[] {
  const rest = [1, 2, 3].filter((a) => a !== axis + 1);
  return [0, axis + 1, ...rest, 4];
}

/**
 * 2.5D input: every slice of a volume along `axis` with its `(k - 1) / 2` neighbours on each
 * side as channels, neighbours past the ends replicating the edge slice. A `[N, D, H, W, C]`
 * batch gives `N * D` images `[N * D, H, W, k * C]` for axis 0 (volume-major, then slice;
 * channels ordered slice-major: slice -1's C channels, then slice 0's, then slice +1's).
 *
 * @example
 * ```ts
 * const stacks = sliceStacks(volume, { axis: 0, k: 3 }); // [1, 62, 128, 128, 1] -> [62, 128, 128, 3]
 * const volumePred = stacksToVolume(model.predict(stacks) as tf.Tensor, { axis: 0 }); // back to [1, 62, 128, 128, K]
 * ```
 */
export function sliceStacks(volume: tf.Tensor, options: SliceStacksOptions = {}): tf.Tensor4D {
  const fn = 'sliceStacks';
  assertRank(fn, 'volume', volume, [5], '[N, D, H, W, C]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['axis', 'k']);
  const { axis = 0, k = 3 } = options;
  checkAxis(fn, axis);
  assertInteger(fn, 'options.k', k, { min: 1 });
  if (k % 2 === 0) fail(fn, 'options.k', k, 'an odd number of slices (the centre slice plus equal neighbours each side)');
  return tf.tidy(() => {
    const moved = tf.transpose(volume, toFront(axis));
    const [n, s, a, b, c] = moved.shape as number[];
    const half = (k - 1) / 2;
    const neighbours = Array.from({ length: k }, (_, o) => {
      const index = Array.from({ length: s! }, (_, i) => Math.min(Math.max(i + o - half, 0), s! - 1));
      return tf.gather(moved, tf.tensor1d(index, 'int32'), 1);
    });
    // [N, S, A, B, k, C] -> channels slice-major.
    return tf.reshape(tf.stack(neighbours, 4), [n! * s!, a!, b!, k * c!]) as tf.Tensor4D;
  });
}

/**
 * The inverse of {@link sliceStacks} for per-slice predictions: `[N * S, A, B, K]` back to the
 * volume `[N, D, H, W, K]` (the slices are put back along `axis`).
 *
 * @example `stacksToVolume(pred, { axis: 0, batchSize: 1 })`
 */
export function stacksToVolume(slices: tf.Tensor, options: StacksToVolumeOptions = {}): tf.Tensor5D {
  const fn = 'stacksToVolume';
  assertRank(fn, 'slices', slices, [4], '[N * S, A, B, K]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['axis', 'batchSize']);
  const { axis = 0, batchSize = 1 } = options;
  checkAxis(fn, axis);
  assertInteger(fn, 'options.batchSize', batchSize, { min: 1 });
  const [total, a, b, kk] = slices.shape as number[];
  if (total! % batchSize !== 0) {
    throw new UnetKitError(fn, 'options.batchSize', `is ${formatValue(batchSize)}, which does not divide the ${total} slices of shape ${formatValue(slices.shape)}.`);
  }
  return tf.tidy(() => {
    const grouped = tf.reshape(slices, [batchSize, total! / batchSize, a!, b!, kk!]);
    const forward = toFront(axis);
    const inverse = forward.map((_, i) => forward.indexOf(i));
    return tf.transpose(grouped, inverse) as tf.Tensor5D;
  });
}
