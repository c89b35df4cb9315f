import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOneOf, assertOptionsObject } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { assertBatchParams, floatImage, perSample } from './intensityUtils.js';
import { toRange } from './ranges.js';
import { makeTransform, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link brightness}. */
export interface BrightnessOptions {
  /** `'multiply'` (x * f, nnU-Net's multiplicative brightness, default) or `'add'` (x + f). */
  mode?: 'multiply' | 'add';
  /** Factor range `[min, max]` drawn per sample. Default `[0.75, 1.25]` for multiply, `[-0.1, 0.1]` for add. */
  range?: readonly [number, number];
  /** Seed of the transform's own generator. */
  seed?: number;
}

/** Parameters of {@link brightness}. */
export interface BrightnessParams {
  factor: number[];
}

/**
 * Brightness change of the image (mask untouched): multiplicative by default, as nnU-Net's
 * `BrightnessMultiplicativeTransform` (0.75..1.25, p = 0.15), or additive.
 *
 * @example `brightness({ range: [0.75, 1.25], seed: 0 })({ image })`
 */
export function brightness(options: BrightnessOptions = {}): ParametricTransform<BrightnessParams> {
  const fn = 'brightness';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['mode', 'range', 'seed']);
  const { mode = 'multiply' } = options;
  assertOneOf(fn, 'options.mode', mode, ['multiply', 'add']);
  const range = toRange(fn, 'options.range', options.range ?? (mode === 'multiply' ? [0.75, 1.25] : [-0.1, 0.1]));
  const draw = (rng: Rng, batchSize: number): BrightnessParams => ({
    factor: Array.from({ length: batchSize }, () => rng.uniform(range[0], range[1])),
  });
  const apply = (sample: Sample, params: BrightnessParams): Sample => {
    assertBatchParams(fn, 'params.factor', params.factor, sample);
    const image = floatImage(sample);
    const f = perSample(params.factor, image.rank);
    const out = mode === 'multiply' ? tf.mul(image, f) : tf.add(image, f);
    return sample.mask === undefined ? { image: out } : { image: out, mask: sample.mask };
  };
  return makeTransform(fn, options.seed, draw, apply);
}
