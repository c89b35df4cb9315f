import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOptionsObject, assertProbability } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { assertAxesOption, assertSpatialAxes } from './axes.js';
import { makeTransform, spatialDimsOf, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link flip}. */
export interface FlipOptions {
  /** Spatial axes that may be mirrored (0 = first spatial axis). Default: all of them. */
  axes?: number[];
  /** Per-sample, per-axis probability of mirroring. Default 0.5 (nnU-Net's mirroring). */
  probability?: number;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link flip}: for each sample, the spatial axes it mirrors. */
export interface FlipParams {
  axes: number[][];
}

/**
 * Random mirroring along spatial axes, per sample and axis with `probability` (nnU-Net mirrors
 * every axis with probability 0.5). Exact: values are moved, never interpolated, so flipping
 * twice with the same parameters is the identity.
 *
 * @example
 * ```ts
 * const t = flip({ axes: [1], seed: 0 }); // left-right in 2D [N, H, W, C]
 * const out = t({ image, mask });
 * ```
 */
export function flip(options: FlipOptions = {}): ParametricTransform<FlipParams> {
  const fn = 'flip';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['axes', 'probability', 'seed']);
  const { axes, probability = 0.5, seed } = options;
  if (axes !== undefined) assertAxesOption(fn, 'options.axes', axes);
  assertProbability(fn, 'options.probability', probability);
  const axesFor = (k: number): number[] => {
    const chosen = axes ?? Array.from({ length: k }, (_, i) => i);
    assertSpatialAxes(fn, 'options.axes', chosen, k);
    return chosen;
  };
  const draw = (rng: Rng, batchSize: number, sample: Sample): FlipParams => {
    const chosen = axesFor(spatialDimsOf(sample));
    return { axes: Array.from({ length: batchSize }, () => chosen.filter(() => rng.bernoulli(probability))) };
  };
  const apply = (sample: Sample, params: FlipParams): Sample => {
    const n = sample.image.shape[0]!;
    const k = spatialDimsOf(sample);
    if (params.axes.length !== n) throw new UnetKitError(fn, 'params.axes', `hold ${params.axes.length} samples; the batch has ${n}.`);
    params.axes.forEach((a) => assertSpatialAxes(fn, 'params.axes', a, k));
    const flipOne = (x: tf.Tensor): tf.Tensor => {
      const same = params.axes.every((list) => list.length === params.axes[0]!.length && list.every((a, i) => a === params.axes[0]![i]));
      const reverse = (t: tf.Tensor, axes: number[]): tf.Tensor => (axes.length === 0 ? t : tf.reverse(t, axes.map((a) => a + 1)));
      if (same) return reverse(x, params.axes[0]!);
      // Per-sample axes: reverse each sample on its own and restack (cheaper on wasm than a
      // broadcast tf.where, whose bool Tile dominates there).
      return tf.concat(tf.split(x, n, 0).map((one, s) => reverse(one, params.axes[s]!)), 0);
    };
    const image = flipOne(sample.image);
    return sample.mask === undefined ? { image } : { image, mask: flipOne(sample.mask) };
  };
  return makeTransform(fn, seed, draw, apply);
}
