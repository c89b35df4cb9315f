import * as tf from '@tensorflow/tfjs-core';
import {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOptions,
  assertOptionsObject,
  assertSpatialDims,
  fail,
} from '../../core/assert.js';
import { UnetKitError } from '../../core/errors.js';
import { formatValue } from '../../core/format.js';
import { isTensor } from '../../ops/isTensor.js';
import { gridFeatures } from './features.js';
import { buildLattice } from './lattice.js';
import { meanField, type PairwiseTerm } from './meanField.js';

/** The smoothness kernel of {@link denseCrf}: `w exp(-|p_i - p_j|^2 / (2 sxy^2))`. */
export interface DenseCrfGaussianOptions {
  /** Spatial standard deviation, in the units of `spacing` (voxels by default); one number or one per spatial axis. Default 3. */
  sxy?: number | number[];
  /** Potts weight w (pydensecrf's `compat`); 0 drops the kernel. Default 3. */
  compat?: number;
}

/** The appearance kernel of {@link denseCrf}: `w exp(-|p_i - p_j|^2 / (2 sxy^2) - |I_i - I_j|^2 / (2 srgb^2))`. */
export interface DenseCrfBilateralOptions {
  /** Spatial standard deviation, as {@link DenseCrfGaussianOptions.sxy}. Default 80. */
  sxy?: number | number[];
  /**
   * Intensity standard deviation in the image's own units, one number or one per image channel.
   * Default 13, meant (as pydensecrf's) for 0..255 intensities: scale a [0, 1] image by 255 or
   * pass e.g. `13 / 255`.
   */
  srgb?: number | number[];
  /** Potts weight w; 0 drops the kernel. Default 10. */
  compat?: number;
}

/** Options of {@link denseCrf} and {@link denseCrfLabels}; the defaults are pydensecrf's README values. */
export interface DenseCrfOptions {
  /** Mean-field iterations. 0 returns the (clipped, renormalised) input. Default 5. */
  iterations?: number;
  /** The smoothness kernel, or `false` for none. Default `{ sxy: 3, compat: 3 }`. */
  gaussian?: DenseCrfGaussianOptions | false;
  /** The appearance kernel, or `false` for none. Default `{ sxy: 80, srgb: 13, compat: 10 }`. */
  bilateral?: DenseCrfBilateralOptions | false;
  /** Voxel size per spatial axis (`[sy, sx]` or `[sz, sy, sx]`, e.g. mm); `sxy` is in these units. Default all 1. */
  spacing?: number[];
  /**
   * 2 or 3. Needed only for a rank-4 input, which is read as a batch `[N, H, W, K]` by default;
   * pass 3 for one volume `[D, H, W, K]`. Ranks 3 (`[H, W, K]`) and 5 (`[N, D, H, W, K]`) are unambiguous.
   */
  spatialDims?: 2 | 3;
  /** Probabilities are clipped to at least this before `-log` (pydensecrf's `unary_from_softmax`). Default 1e-5. */
  clip?: number;
}

interface ResolvedKernel {
  sxy: number[];
  compat: number;
  srgb: number[];
}

interface Problem {
  spatialDims: 2 | 3;
  samples: number;
  dims: number[];
  classes: number;
  channels: number;
}

const PROBABILITY_TOLERANCE = 1e-3;

function checkSigma(fn: string, argument: string, value: unknown, count: number, what: string): number[] {
  if (typeof value === 'number') {
    assertNumber(fn, argument, value, { min: 0, minExclusive: true });
    return new Array<number>(count).fill(value);
  }
  if (!Array.isArray(value)) fail(fn, argument, value, `a number > 0 or an array of ${count} (one per ${what})`);
  assertNumberArray(fn, argument, value, { min: 0, minExclusive: true }, count);
  return [...value];
}

function checkKernel(fn: string, key: 'gaussian' | 'bilateral', value: unknown): void {
  if (value === false) return;
  const argument = `options.${key}`;
  assertOptionsObject(fn, value, argument);
  if (value === undefined) return;
  assertKnownKeys(fn, value as object, key === 'gaussian' ? ['sxy', 'compat'] : ['sxy', 'srgb', 'compat'], argument);
  const o = value as Record<string, unknown>;
  if (o.compat !== undefined) assertNumber(fn, `${argument}.compat`, o.compat, { min: 0 });
}

function resolveKernel(fn: string, key: 'gaussian' | 'bilateral', value: DenseCrfBilateralOptions | false | undefined, problem: Problem): ResolvedKernel | undefined {
  if (value === false) return undefined;
  const defaults = key === 'gaussian' ? { sxy: 3, compat: 3 } : { sxy: 80, compat: 10, srgb: 13 };
  const compat = value?.compat ?? defaults.compat;
  if (compat === 0) return undefined;
  const sxy = checkSigma(fn, `options.${key}.sxy`, value?.sxy ?? defaults.sxy, problem.spatialDims, 'spatial axis');
  const srgb = key === 'bilateral' ? checkSigma(fn, 'options.bilateral.srgb', value?.srgb ?? 13, problem.channels, 'image channel') : [];
  return { sxy, compat, srgb };
}

function resolveProblem(fn: string, probs: unknown, image: unknown, spatialDims: 2 | 3 | undefined): Problem {
  if (!isTensor(probs)) fail(fn, 'probs', probs, 'a tensor [H, W, K], [N, H, W, K], [D, H, W, K] or [N, D, H, W, K]');
  if (!isTensor(image)) fail(fn, 'image', image, "a tensor with probs' shape except the channel count");
  for (const [name, t] of [['probs', probs], ['image', image]] as const) {
    if (t.isDisposed) fail(fn, name, t, 'a live tensor (this one is disposed)');
  }
  const rank = probs.rank;
  if (rank < 3 || rank > 5) {
    throw new UnetKitError(fn, 'probs', `has shape ${formatValue(probs.shape)} (rank ${rank}); expected rank 3, 4 or 5 ([H, W, K], [N, H, W, K] or [D, H, W, K], [N, D, H, W, K]).`);
  }
  const s = spatialDims ?? (rank === 5 ? 3 : 2);
  if (rank - 1 - s < 0 || rank - 1 - s > 1) {
    fail(fn, 'options.spatialDims', s, `${rank === 3 ? 2 : 3} for probs of rank ${rank} (shape ${formatValue(probs.shape)})`);
  }
  const lead = probs.shape.slice(0, -1);
  if (image.rank !== rank || image.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
    throw new UnetKitError(
      fn,
      'probs and image',
      `have shapes ${formatValue(probs.shape)} and ${formatValue(image.shape)}; expected the same shape except the last (class / channel) axis.`,
    );
  }
  const dims = probs.shape.slice(rank - 1 - s, -1);
  if (dims.some((d) => d < 1)) fail(fn, 'probs', probs, 'a tensor with at least one voxel');
  const classes = probs.shape[rank - 1]!;
  const channels = image.shape[rank - 1]!;
  if (classes < 1) fail(fn, 'probs', probs, 'at least one class channel');
  if (channels < 1) fail(fn, 'image', image, 'at least one channel (1 for MRI / CT, 3 for RGB)');
  return { spatialDims: s as 2 | 3, samples: rank - 1 - s === 1 ? probs.shape[0]! : 1, dims, classes, channels };
}

function checkProbabilities(fn: string, values: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < values.length; i += classes) {
    let sum = 0;
    for (let l = 0; l < classes; l++) {
      const p = values[i + l]!;
      if (!(p >= 0 && p <= 1)) {
        throw new UnetKitError(fn, 'probs', `holds ${p} at flat index ${i + l}; expected probabilities in [0, 1]: apply a softmax (or sigmoid) first.`);
      }
      sum += p;
    }
    if (classes > 1 && Math.abs(sum - 1) > PROBABILITY_TOLERANCE) {
      throw new UnetKitError(
        fn,
        'probs',
        `sums to ${Number(sum.toPrecision(6))} over the ${classes} classes of voxel ${i / classes}; expected class probabilities summing to 1 (within ${PROBABILITY_TOLERANCE}): apply a softmax over the last axis first.`,
      );
    }
  }
}

function checkImage(fn: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new UnetKitError(fn, 'image', `holds ${values[i]} at flat index ${i}; expected finite intensities.`);
  }
}

/** Lattice coordinates are int32: features past this would overflow them (and mean a sigma far too small). */
const MAX_FEATURE = 1e6;

function checkFeatureRange(
  fn: string,
  kernels: { gaussian: ResolvedKernel | undefined; bilateral: ResolvedKernel | undefined },
  dims: readonly number[],
  spacing: readonly number[],
  image: ArrayLike<number> | undefined,
): void {
  for (const key of ['gaussian', 'bilateral'] as const) {
    const kernel = kernels[key];
    if (kernel === undefined) continue;
    const a = dims.findIndex((d, i) => ((d - 1) * spacing[i]!) / kernel.sxy[i]! > MAX_FEATURE);
    if (a >= 0) {
      fail(fn, `options.${key}.sxy`, kernel.sxy, `sigmas with extent * spacing / sxy <= ${MAX_FEATURE} on every axis (axis ${a} has ${dims[a]} voxels of ${spacing[a]})`);
    }
  }
  const bilateral = kernels.bilateral;
  if (bilateral === undefined || image === undefined) return;
  const c = bilateral.srgb.length;
  for (let i = 0; i < image.length; i++) {
    if (Math.abs(image[i]!) / bilateral.srgb[i % c]! > MAX_FEATURE) {
      fail(fn, 'options.bilateral.srgb', bilateral.srgb, `sigmas with |intensity| / srgb <= ${MAX_FEATURE} (the image holds ${image[i]} in channel ${i % c})`);
    }
  }
}

/** Runs the CRF on plain arrays; returns the marginals in `probs`' layout (K = 1 stays one channel). */
function refine(fn: string, probs: tf.Tensor, image: tf.Tensor, options: DenseCrfOptions | undefined): { q: Float32Array; problem: Problem } {
  assertOptions(fn, options, {
    iterations: (f, a, v) => assertInteger(f, a, v, { min: 0 }),
    gaussian: (f, _a, v) => checkKernel(f, 'gaussian', v),
    bilateral: (f, _a, v) => checkKernel(f, 'bilateral', v),
    spacing: (f, a, v) => assertNumberArray(f, a, v, { min: 0, minExclusive: true }),
    spatialDims: (f, _a, v) => assertSpatialDims(f, v),
    clip: (f, a, v) => assertNumber(f, a, v, { min: 0, max: 1, minExclusive: true, maxExclusive: true }),
  });
  const o = options ?? {};
  const problem = resolveProblem(fn, probs, image, o.spatialDims);
  const spacing = o.spacing ?? new Array<number>(problem.spatialDims).fill(1);
  if (spacing.length !== problem.spatialDims) {
    fail(fn, 'options.spacing', spacing, `${problem.spatialDims} numbers > 0 (one per spatial axis)`);
  }
  const kernels = {
    gaussian: resolveKernel(fn, 'gaussian', o.gaussian, problem),
    bilateral: resolveKernel(fn, 'bilateral', o.bilateral, problem),
  };
  const p = probs.dataSync();
  checkProbabilities(fn, p, problem.classes);
  const im = kernels.bilateral !== undefined ? image.dataSync() : undefined;
  if (im !== undefined) checkImage(fn, im);

  const { samples, dims, classes, channels } = problem;
  checkFeatureRange(fn, kernels, dims, spacing, im);
  const n = dims.reduce((a, b) => a * b, 1);
  // A single channel is a binary foreground probability: run the CRF on [1 - p, p].
  const k = Math.max(classes, 2);
  const clip = o.clip ?? 1e-5;
  const q = new Float32Array(p.length);
  for (let s = 0; s < samples; s++) {
    const unary = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < k; l++) {
        const value = classes === 1 ? (l === 1 ? p[s * n + i]! : 1 - p[s * n + i]!) : p[(s * n + i) * k + l]!;
        unary[i * k + l] = -Math.log(Math.min(Math.max(value, clip), 1));
      }
    }
    const terms: PairwiseTerm[] = [];
    if (kernels.gaussian !== undefined) {
      const { features, dims: d } = gridFeatures(dims, spacing, kernels.gaussian.sxy);
      terms.push({ lattice: buildLattice(features, n, d), weight: kernels.gaussian.compat });
    }
    if (kernels.bilateral !== undefined) {
      const { sxy, srgb, compat } = kernels.bilateral;
      const { features, dims: d } = gridFeatures(dims, spacing, sxy, { values: im!, offset: s * n * channels, channels, sigma: srgb });
      terms.push({ lattice: buildLattice(features, n, d), weight: compat });
    }
    const marginals = meanField(unary, n, k, terms, o.iterations ?? 5);
    if (classes === 1) for (let i = 0; i < n; i++) q[s * n + i] = marginals[i * 2 + 1]!;
    else q.set(marginals, s * n * k);
  }
  return { q, problem };
}

/**
 * Dense CRF post-processing (Krähenbühl and Koltun, "Efficient Inference in Fully Connected CRFs
 * with Gaussian Edge Potentials", NIPS 2011): refines a network's probabilities so that labels
 * follow image edges, by mean-field inference of a CRF whose pairwise Potts energy between every
 * two voxels is `w1 exp(-|p_i - p_j|^2 / 2 sxy1^2 - |I_i - I_j|^2 / 2 srgb^2) + w2 exp(-|p_i - p_j|^2 / 2 sxy2^2)`
 * and unary `-log(max(prob, clip))`. pydensecrf's semantics: the fully connected filtering is a
 * permutohedral lattice (Adams et al. 2010) as in densecrf, kernels normalised symmetrically
 * (`NORMALIZE_SYMMETRIC`), positions `p * spacing / sxy`, intensities `I / srgb`. Plain
 * TypeScript over typed arrays (the same on every backend); both tensors are read once.
 *
 * @param probs - class probabilities summing to 1 over the last axis: `[H, W, K]`, `[N, H, W, K]`,
 *   `[D, H, W, K]` (with `spatialDims: 3`) or `[N, D, H, W, K]`. One channel (`K = 1`) is a
 *   sigmoid foreground probability (the CRF runs on `[1 - p, p]`).
 * @param image - the intensities, the same shape but any channel count (1 for MRI / CT, 3 for
 *   RGB); its units are those of `srgb`.
 * @returns float32 refined probabilities of `probs`' shape (the caller disposes them).
 * @example
 * ```ts
 * const probs = tf.softmax(model.predict(image) as tf.Tensor);          // image [1, 256, 256, 1] in [0, 1]
 * const refined = denseCrf(probs, tf.mul(image, 255), { bilateral: { srgb: 13 } });
 * const volumeProbs = tf.softmax(model.predict(volume) as tf.Tensor);  // volume [1, D, H, W, 1]
 * const refinedVolume = denseCrf(volumeProbs, volume, { spacing: [3, 2, 2] });
 * ```
 */
export function denseCrf(probs: tf.Tensor, image: tf.Tensor, options?: DenseCrfOptions): tf.Tensor {
  const { q } = refine('denseCrf', probs, image, options);
  return tf.tensor(q, probs.shape, 'float32');
}

/**
 * {@link denseCrf} then the most probable label per voxel: int32 labels of `probs`' shape with a
 * last axis of 1 (for one sigmoid channel: 1 where the refined foreground probability is above 0.5).
 *
 * @example `const mask = denseCrfLabels(probs, image); // [N, H, W, 1] int32`
 */
export function denseCrfLabels(probs: tf.Tensor, image: tf.Tensor, options?: DenseCrfOptions): tf.Tensor {
  const { q, problem } = refine('denseCrfLabels', probs, image, options);
  const k = problem.classes;
  const labels = new Int32Array(q.length / k);
  for (let i = 0; i < labels.length; i++) {
    if (k === 1) {
      labels[i] = q[i]! > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let l = 1; l < k; l++) if (q[i * k + l]! > q[i * k + best]!) best = l;
    labels[i] = best;
  }
  return tf.tensor(labels, [...probs.shape.slice(0, -1), 1], 'int32');
}
