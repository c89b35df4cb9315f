import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, floatImage } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { resizeSpatial } from '../ops/resample.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link simulateLowResolution}. */
export interface SimulateLowResolutionOptions {
  /** Downsampling factor range `[min, max]` in (0, 1], drawn per sample. Default `[0.5, 1]` (nnU-Net). */
  zoom?: number | readonly [number, number];
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link simulateLowResolution}. */
export interface SimulateLowResolutionParams {
  zoom: number[];
}

/**
 * Simulates a low-resolution acquisition (image only): downsample each sample by `zoom` with
 * nearest neighbour, then upsample back to the original size, as nnU-Net's
 * `SimulateLowResolutionTransform` (zoom 0.5..1, p = 0.25). nnU-Net upsamples with cubic
 * splines; this uses linear interpolation (half-pixel centres).
 *
 * @example `simulateLowResolution({ zoom: [0.5, 1], seed: 0 })({ image })`
 */
export function simulateLowResolution(options: SimulateLowResolutionOptions = {}): ParametricTransform<SimulateLowResolutionParams> {
  const fn = 'simulateLowResolution';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['zoom', 'seed']);
  const range = toRange(fn, 'options.zoom', options.zoom ?? [0.5, 1], { min: 0, minExclusive: true, max: 1, fixedNumber: true });
  const draw = (rng: Rng, batchSize: number): SimulateLowResolutionParams => ({
    zoom: Array.from({ length: batchSize }, () => rng.uniform(range[0], range[1])),
  });
  const apply = (sample: Sample, params: SimulateLowResolutionParams): Sample => {
    assertBatchParams(fn, 'params.zoom', params.zoom, sample);
    const image = floatImage(sample);
    const spatial = image.shape.slice(1, -1);
    const parts = tf.split(image, image.shape[0]!, 0).map((one, s) => {
      const small = spatial.map((size) => Math.max(1, Math.round(size * params.zoom[s]!)));
      if (small.every((v, a) => v === spatial[a])) return one;
      return resizeSpatial(resizeSpatial(one, small, 'nearest'), spatial, 'linear');
    });
    const out = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
