import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { Rng } from '../core/rng.js';
import { assertSpatialAxes } from './axes.js';
import { makeTransform, spatialDimsOf, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link rotate90}. */
export interface Rotate90Options {
  /** The plane to rotate in, two spatial axes. Default `[0, 1]` in 2D, `[1, 2]` (axial H-W) in 3D. */
  axes?: [number, number];
  /** Fixed number of quarter turns (0..3); random (uniform 0..3) when omitted. */
  k?: number;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link rotate90}: quarter turns for the whole batch (one draw per call). */
export interface Rotate90Params {
  k: number;
}

/** numpy.rot90 on axes `[i, j]` of a tensor (whole batch), `k` in 0..3. */
export function rot90(x: tf.Tensor, k: number, i: number, j: number): tf.Tensor {
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return tf.clone(x);
  if (turns === 2) return tf.reverse(x, [i, j]);
  const perm = Array.from({ length: x.rank }, (_, a) => a);
  perm[i] = j;
  perm[j] = i;
  // numpy: k = 1 is transpose(flip(m, j)); k = 3 is flip(transpose(m), j).
  return turns === 1 ? tf.transpose(tf.reverse(x, [j]), perm) : tf.reverse(tf.transpose(x, perm), [j]);
}

/**
 * Rotation by a multiple of 90 degrees in a plane (numpy.rot90's direction: k = 1 maps output
 * (i, j) to input (j, n - 1 - i)). Exact (no interpolation). One draw per call for the whole
 * batch, because a quarter turn of a non-square plane changes the shape. Equals {@link affine}
 * with rotation `90 * k` degrees away from the borders.
 *
 * @example
 * ```ts
 * const out = rotate90({ k: 1 })({ image, mask }); // [N, H, W, C] -> [N, W, H, C]
 * ```
 */
export function rotate90(options: Rotate90Options = {}): ParametricTransform<Rotate90Params> {
  const fn = 'rotate90';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['axes', 'k', 'seed']);
  const { axes, k, seed } = options;
  if (k !== undefined) assertInteger(fn, 'options.k', k, { min: 0, max: 3 });
  if (axes !== undefined && (!Array.isArray(axes) || axes.length !== 2 || axes[0] === axes[1])) {
    throw new UnetKitError(fn, 'options.axes', `is ${formatValue(axes)}; expected two different spatial axes, e.g. [0, 1].`);
  }
  const plane = (sample: Sample): [number, number] => {
    const dims = spatialDimsOf(sample);
    const chosen = axes ?? (dims === 2 ? [0, 1] : [1, 2]);
    assertSpatialAxes(fn, 'options.axes', chosen, dims);
    return chosen;
  };
  const draw = (rng: Rng, _batchSize: number, sample: Sample): Rotate90Params => {
    plane(sample);
    return { k: k ?? rng.integer(0, 4) };
  };
  const apply = (sample: Sample, params: Rotate90Params): Sample => {
    const [i, j] = plane(sample);
    assertInteger(fn, 'params.k', params.k, { min: 0, max: 3 });
    const image = rot90(sample.image, params.k, i + 1, j + 1);
    return sample.mask === undefined ? { image } : { image, mask: rot90(sample.mask, params.k, i + 1, j + 1) };
  };
  return makeTransform(fn, seed, draw, apply, { preservesShape: false });
}
