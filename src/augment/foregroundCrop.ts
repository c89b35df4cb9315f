import { assertInteger, assertKnownKeys, assertNumber, assertNumberArray, assertOptionsObject, fail } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertCropFits, cropWindows, type CropParams } from './randomCrop.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link foregroundCrop}. */
export interface ForegroundCropOptions {
  /** Weight of crops centred on a foreground voxel. Default 1 (MONAI's `pos`). */
  pos?: number;
  /** Weight of crops centred on a background voxel. Default 1 (MONAI's `neg`). */
  neg?: number;
  /** Crops per input sample; the output batch is `N * numSamples`, sample-major. Default 1. */
  numSamples?: number;
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link foregroundCrop}: the crop starts and whether each was a foreground draw. */
export interface ForegroundCropParams extends CropParams {
  positive: boolean[];
}

/**
 * Crops centred on a foreground voxel with probability `pos / (pos + neg)`, else on a background
 * voxel, as MONAI's `RandCropByPosNegLabel`: foreground is a nonzero label (single-channel mask)
 * or a nonzero non-background channel (one-hot mask, channel 0 = background); centres are moved
 * inwards so the crop fits (MONAI's `correct_crop_centers`); when the chosen class is absent the
 * other is used. Needs the mask's values on the CPU: it reads them with `dataSync()` (MONAI also
 * computes the indices on the CPU). `[N, ...S, C]` -> `[N * numSamples, ...size, C]`.
 *
 * @example `foregroundCrop([32, 32], { pos: 2, neg: 1, seed: 0 })({ image, mask })`
 */
export function foregroundCrop(size: number[], options: ForegroundCropOptions = {}): ParametricTransform<ForegroundCropParams> {
  const fn = 'foregroundCrop';
  assertNumberArray(fn, 'size', size, { min: 1, integer: true });
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['pos', 'neg', 'numSamples', 'seed']);
  const { pos = 1, neg = 1, numSamples = 1, seed } = options;
  assertNumber(fn, 'options.pos', pos, { min: 0 });
  assertNumber(fn, 'options.neg', neg, { min: 0 });
  if (pos + neg === 0) fail(fn, 'options.pos and options.neg', [pos, neg], 'weights that are not both 0');
  assertInteger(fn, 'options.numSamples', numSamples, { min: 1 });

  const draw = (rng: Rng, batchSize: number, sample: Sample): ForegroundCropParams => {
    assertCropFits(fn, size, sample);
    const mask = sample.mask!;
    const spatial = mask.shape.slice(1, -1);
    const channels = mask.shape[mask.rank - 1]!;
    const voxels = spatial.reduce((a, b) => a * b, 1);
    const values = mask.dataSync();
    const starts: number[][] = [];
    const positive: boolean[] = [];
    for (let s = 0; s < batchSize; s++) {
      const fg: number[] = [];
      const bg: number[] = [];
      for (let v = 0; v < voxels; v++) {
        const base = (s * voxels + v) * channels;
        let isFg = false;
        if (channels === 1) isFg = values[base] !== 0;
        else for (let c = 1; c < channels && !isFg; c++) isFg = values[base + c] !== 0;
        (isFg ? fg : bg).push(v);
      }
      for (let r = 0; r < numSamples; r++) {
        let wantFg = rng.next() < pos / (pos + neg);
        if (wantFg && fg.length === 0) wantFg = false;
        if (!wantFg && bg.length === 0) wantFg = true;
        const pool = wantFg ? fg : bg;
        let flat = pool[rng.integer(0, pool.length)]!;
        const centre = new Array<number>(spatial.length);
        for (let a = spatial.length - 1; a >= 0; a--) {
          centre[a] = flat % spatial[a]!;
          flat = Math.floor(flat / spatial[a]!);
        }
        // Start = centre - floor(size / 2), moved inwards so the window fits.
        starts.push(centre.map((c, a) => Math.min(Math.max(c - Math.floor(size[a]! / 2), 0), spatial[a]! - size[a]!)));
        positive.push(wantFg);
      }
    }
    return { starts, positive };
  };
  const apply = (sample: Sample, params: ForegroundCropParams): Sample => {
    assertCropFits(fn, size, sample);
    const n = sample.image.shape[0]!;
    if (params.starts.length !== n * numSamples) {
      fail(fn, 'params.starts', params.starts.length, `${n * numSamples} windows (batch ${n} x numSamples ${numSamples})`);
    }
    // Window w belongs to input sample floor(w / numSamples).
    const rows = params.starts.map((_, w) => Math.floor(w / numSamples));
    return cropWindows(sample, size, params.starts, rows);
  };
  return makeTransform(fn, seed, draw, apply, { needsMask: true, preservesShape: false });
}

