import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { createRng, type Rng } from '../core/rng.js';
import { assertFinite } from '../ops/assertFinite.js';

/**
 * A batch to augment: `image` `[N, H, W, C]` (2D) or `[N, D, H, W, C]` (3D), channels last, and
 * an optional `mask` of the same batch and spatial shape (its channel count may differ: a label
 * map `[..., 1]` or one-hot `[..., K]`).
 */
export interface Sample {
  image: tf.Tensor;
  mask?: tf.Tensor;
}

/** A seed (any finite number) or a generator to draw from. */
export type SeedLike = number | Rng;

/**
 * An augmentation: takes a {@link Sample} and returns a new one, drawing its random parameters
 * from `seed` when given (same seed, same output) or from its own generator otherwise (seeded by
 * the factory's `seed` option, so a sequence of calls repeats run to run). The returned tensors
 * are new and belong to the caller; the input tensors are left alone (still the caller's).
 */
export interface Transform {
  (sample: Sample, seed?: SeedLike): Sample;
  /** The factory's name, e.g. `'affine'`, used in error messages. */
  readonly transformName: string;
  /** True when the output has the input's shape (required for probability < 1 in {@link compose}). */
  readonly preservesShape: boolean;
}

/**
 * A {@link Transform} whose random draw is exposed: `draw` gives the per-sample parameters,
 * `apply` applies given parameters (deterministic: tests and test-time augmentation use it).
 */
export interface ParametricTransform<P> extends Transform {
  /** Draws parameters for a batch of `batchSize` (the sample is passed for data-dependent draws). */
  draw(rng: Rng, batchSize: number, sample: Sample): P;
  /** Applies `params` to `sample`; no randomness beyond seeds stored in `params`. */
  apply(sample: Sample, params: P): Sample;
}

/** Turns a {@link SeedLike} (or nothing) into a generator. */
export function toRng(seed: SeedLike | undefined, fallback: Rng, functionName = 'augment'): Rng {
  if (seed === undefined) return fallback;
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) fail(functionName, 'seed', seed, 'a finite number or an Rng');
    return createRng(seed);
  }
  if (seed === null || typeof seed !== 'object' || typeof (seed as Rng).next !== 'function') {
    fail(functionName, 'seed', seed, 'a finite number or an Rng from createRng');
  }
  return seed;
}

/** Spatial rank (2 or 3) of a validated sample. */
export function spatialDimsOf(sample: Sample): 2 | 3 {
  return (sample.image.rank - 2) as 2 | 3;
}

/**
 * Validates a sample: `image` a rank-4 or rank-5 tensor, `mask` (if any) with the same batch and
 * spatial sizes. One clear error naming the transform otherwise.
 */
export function assertSample(functionName: string, sample: unknown, needsMask = false): asserts sample is Sample {
  if (sample === null || typeof sample !== 'object' || Array.isArray(sample) || sample instanceof tf.Tensor) {
    fail(functionName, 'sample', sample, 'an object { image, mask? } of tensors');
  }
  const { image, mask } = sample as Record<string, unknown>;
  if (!(image instanceof tf.Tensor)) fail(functionName, 'sample.image', image, 'a tensor [N, H, W, C] or [N, D, H, W, C]');
  if (image.rank !== 4 && image.rank !== 5) {
    throw new UnetKitError(
      functionName,
      'sample.image',
      `has shape ${formatValue(image.shape)} (rank ${image.rank}); expected rank 4 [N, H, W, C] or 5 [N, D, H, W, C].`,
    );
  }
  if (mask === undefined) {
    if (needsMask) fail(functionName, 'sample.mask', mask, 'a mask tensor (this transform needs labels)');
    return;
  }
  if (!(mask instanceof tf.Tensor)) fail(functionName, 'sample.mask', mask, 'a tensor or undefined');
  const same = mask.rank === image.rank && image.shape.slice(0, -1).every((d: number, i: number) => d === mask.shape[i]);
  if (!same) {
    throw new UnetKitError(
      functionName,
      'sample.image and sample.mask',
      `have shapes ${formatValue(image.shape)} and ${formatValue(mask.shape)}; expected the same batch and spatial sizes (channels may differ).`,
    );
  }
}

/**
 * Builds a {@link ParametricTransform} from a draw and an apply function: the call validates the
 * sample (shapes, and finite values where `setFiniteChecks` says so), draws from the given seed
 * (or the factory's own generator), and applies inside `tf.tidy`, so intermediates are freed and
 * the caller gets new tensors only.
 */
export function makeTransform<P>(
  transformName: string,
  seed: number | undefined,
  draw: (rng: Rng, batchSize: number, sample: Sample) => P,
  apply: (sample: Sample, params: P) => Sample,
  options: { needsMask?: boolean; preservesShape?: boolean } = {},
): ParametricTransform<P> {
  // Checked here so the error names the transform, not createRng.
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) fail(transformName, 'options.seed', seed, 'a finite number');
  const own = createRng(seed);
  const needsMask = options.needsMask ?? false;
  // Every transform passes here once per call, so this one finite check covers them all: a NaN
  // voxel would otherwise spread through intensity statistics, blurs and interpolation (or, in a
  // flip, reach the loss later with no hint where it came from).
  const check = (sample: unknown): Sample => {
    assertSample(transformName, sample, needsMask);
    assertFinite(transformName, 'sample.image', sample.image);
    if (sample.mask !== undefined) assertFinite(transformName, 'sample.mask', sample.mask);
    return sample;
  };
  const run = (sample: Sample, params: P): Sample =>
    tf.tidy(() => {
      const out = apply(sample, params);
      // Always hand back new tensors, so the caller may dispose inputs and outputs independently.
      const image = out.image === sample.image ? tf.clone(out.image) : out.image;
      if (out.mask === undefined) return { image };
      return { image, mask: out.mask === sample.mask ? tf.clone(out.mask) : out.mask };
    }) as Sample;
  const call = (sample: Sample, seedLike?: SeedLike): Sample => {
    check(sample);
    const rng = toRng(seedLike, own, transformName);
    return run(sample, draw(rng, sample.image.shape[0]!, sample));
  };
  return Object.assign(call, {
    transformName,
    preservesShape: options.preservesShape ?? true,
    draw,
    apply: (sample: Sample, params: P): Sample => run(check(sample), params),
  });
}
