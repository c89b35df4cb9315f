import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumberArray, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of the crops: per sample, the start index of each spatial axis. */
export interface CropParams {
  starts: number[][];
}

/** Checks a crop size against a sample's spatial shape. */
export function assertCropFits(functionName: string, size: readonly number[], sample: Sample): void {
  const spatial = sample.image.shape.slice(1, -1);
  if (size.length !== spatial.length) {
    throw new UnetKitError(functionName, 'size', `has ${size.length} axes but the sample has ${spatial.length} spatial axes ${JSON.stringify(spatial)}.`);
  }
  size.forEach((s, a) => {
    if (s > spatial[a]!) fail(functionName, 'size', size, `sizes no larger than the sample's spatial shape [${spatial.join(', ')}] (pad first with padToMultiple)`);
  });
}

/** Cuts windows `starts` of `size` out of image and mask (window w from batch row `rows[w]`, default w), stacking them. */
export function cropWindows(sample: Sample, size: readonly number[], starts: number[][], rows?: number[]): Sample {
  const cut = (x: tf.Tensor): tf.Tensor =>
    tf.concat(starts.map((start, w) => tf.slice(x, [rows?.[w] ?? w, ...start, 0], [1, ...size, -1])), 0);
  const image = cut(sample.image);
  return sample.mask === undefined ? { image } : { image, mask: cut(sample.mask) };
}

/**
 * Random crop of spatial size `size`, a start drawn uniformly per sample (the patch sampling of
 * nnU-Net / MONAI RandSpatialCrop). `[N, ...S, C]` -> `[N, ...size, C]`.
 *
 * @example `randomCrop([64, 64], { seed: 1 })({ image, mask })`
 */
export function randomCrop(size: number[], options: RandomCropOptions = {}): ParametricTransform<CropParams> {
  const fn = 'randomCrop';
  assertNumberArray(fn, 'size', size, { min: 1, integer: true });
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['seed']);
  const draw = (rng: Rng, batchSize: number, sample: Sample): CropParams => {
    assertCropFits(fn, size, sample);
    const spatial = sample.image.shape.slice(1, -1);
    return { starts: Array.from({ length: batchSize }, () => size.map((s, a) => rng.integer(0, spatial[a]! - s + 1))) };
  };
  const apply = (sample: Sample, params: CropParams): Sample => {
    assertCropFits(fn, size, sample);
    return cropWindows(sample, size, params.starts);
  };
  return makeTransform(fn, options.seed, draw, apply, { preservesShape: false });
}
