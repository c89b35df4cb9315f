import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams } from './intensityUtils.js';
import { mixWith, type MixParams } from './mixup.js';
import { permutation, sampleBeta } from './random.js';
import { makeTransform, spatialDimsOf, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link cutmix}. */
export interface CutmixOptions {
  /** Beta(alpha, alpha) parameter of the kept fraction. Default 1 (uniform), as Yun et al. */
  alpha?: number;
  /**
   * How the mask follows: `'paste'` (default) pastes the partner's labels inside the box (exact
   * per-voxel labels); `'soft'` blends whole masks with the area-weighted lambda (CutMix's
   * classification targets, as soft-label masks).
   */
  mask?: 'paste' | 'soft';
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link cutmix}: partners, boxes and the area-weighted lambda (kept fraction). */
export interface CutmixParams extends MixParams {
  /** Box start per sample and spatial axis. */
  starts: number[][];
  /** Box end (exclusive) per sample and spatial axis. */
  ends: number[][];
}

/**
 * CutMix (Yun et al. 2019) in 2D and 3D: a box of the partner sample replaces the same box of
 * each sample. The box has volume fraction `1 - lambda0`, `lambda0 ~ Beta(alpha, alpha)`,
 * a uniformly random centre, clipped at the borders; `lambda` is then recomputed from the
 * clipped box, `1 - boxVolume / volume` (area-weighted), and returned in the parameters.
 *
 * @example `cutmix({ seed: 0 })({ image, mask })`
 */
export function cutmix(options: CutmixOptions = {}): ParametricTransform<CutmixParams> {
  const fn = 'cutmix';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['alpha', 'mask', 'seed']);
  const { alpha = 1, mask = 'paste' } = options;
  assertNumber(fn, 'options.alpha', alpha, { min: 0, minExclusive: true });
  assertOneOf(fn, 'options.mask', mask, ['paste', 'soft']);
  const draw = (rng: Rng, batchSize: number, sample: Sample): CutmixParams => {
    const k = spatialDimsOf(sample);
    const spatial = sample.image.shape.slice(1, -1);
    const total = spatial.reduce((a, b) => a * b, 1);
    const params: CutmixParams = { partner: permutation(rng, batchSize), lambda: [], starts: [], ends: [] };
    for (let s = 0; s < batchSize; s++) {
      const ratio = Math.pow(1 - sampleBeta(rng, alpha, alpha), 1 / k);
      const start: number[] = [];
      const end: number[] = [];
      spatial.forEach((size) => {
        const cut = Math.floor(size * ratio);
        const centre = rng.integer(0, size);
        start.push(Math.max(0, centre - Math.floor(cut / 2)));
        end.push(Math.min(size, centre + Math.ceil(cut / 2)));
      });
      const volume = start.reduce((v, b, a) => v * (end[a]! - b), 1);
      params.starts.push(start);
      params.ends.push(end);
      params.lambda.push(1 - volume / total);
    }
    return params;
  };
  const apply = (sample: Sample, params: CutmixParams): Sample => {
    assertBatchParams(fn, 'params.lambda', params.lambda, sample);
    const n = sample.image.shape[0]!;
    const spatial = sample.image.shape.slice(1, -1);
    const rank = sample.image.rank;
    let box: tf.Tensor | undefined;
    spatial.forEach((size, a) => {
      const inside: boolean[] = [];
      for (let s = 0; s < n; s++) for (let i = 0; i < size; i++) inside.push(i >= params.starts[s]![a]! && i < params.ends[s]![a]!);
      const shape = Array.from({ length: rank }, (_, d) => (d === 0 ? n : d === a + 1 ? size : 1));
      const axis = tf.tensor(inside, shape, 'bool');
      box = box ? tf.logicalAnd(box, axis) : axis;
    });
    const partner = tf.tensor1d(params.partner, 'int32');
    const paste = (x: tf.Tensor): tf.Tensor => tf.where(box!, tf.gather(x, partner), x);
    const image = paste(sample.image);
    if (sample.mask === undefined) return { image };
    return { image, mask: mask === 'paste' ? paste(sample.mask) : mixWith(sample.mask, params) };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
