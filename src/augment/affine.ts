import { assertKnownKeys, assertOptionsObject, assertProbability, assertBoolean, assertOneOf, assertNumber } from '../core/assert.js';
import { BORDER_MODES } from '../ops/border.js';
import { UnetKitError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { toRange, type RangeLike } from './ranges.js';
import { applyMapping, identityMatrix, matMul, type SpatialPaddingOptions } from './spatialTransform.js';
import { makeTransform, spatialDimsOf, type ParametricTransform, type Sample } from './types.js';

/** Options of {@link affine}. Every range is sampled uniformly, independently per sample. */
export interface AffineOptions extends SpatialPaddingOptions {
  /**
   * Rotation in degrees: `v` means `[-v, v]`. 2D: one range (default 15). 3D: one range for
   * each of the three axes, or `[rangeAroundD, rangeAroundH, rangeAroundW]` (default 15 each).
   */
  rotation?: RangeLike | readonly RangeLike[];
  /** Zoom of the content, `[min, max]`; above 1 enlarges. Default `[0.9, 1.1]`. */
  scale?: readonly [number, number];
  /** One zoom for all axes (true, default) or one per axis. */
  isotropicScale?: boolean;
  /** Shift as a fraction of each axis' size, `v` meaning `[-v, v]`. Default 0. */
  translation?: RangeLike;
  /** Shear factor (tangent of the shear angle) per axis pair, `v` meaning `[-v, v]`. Default 0. */
  shear?: RangeLike;
  /** Per-sample probability of drawing a rotation (else 0). Default 1. nnU-Net uses 0.2. */
  rotationProbability?: number;
  /** Per-sample probability of drawing a zoom (else 1). Default 1. nnU-Net uses 0.2. */
  scaleProbability?: number;
  /** Per-sample probability of drawing a shift. Default 1. */
  translationProbability?: number;
  /** Per-sample probability of drawing a shear. Default 1. */
  shearProbability?: number;
  /** Seed of the transform's own generator (used when a call passes no seed). */
  seed?: number;
}

/** Parameters of {@link affine} for one batch, one entry per sample. */
export interface AffineParams {
  /** Degrees: 2D `[angle]`; 3D `[aroundD, aroundH, aroundW]`. */
  rotation: number[][];
  /** Zoom per spatial axis. */
  scale: number[][];
  /** Shift per spatial axis, as a fraction of its size. */
  translation: number[][];
  /** Shear factor per axis pair (0,1) in 2D; (0,1), (0,2), (1,2) in 3D. */
  shear: number[][];
}

/** Axis pairs (planes) of a k-dimensional space, in the order used by rotation and shear. */
function planes(k: number): Array<[number, number]> {
  return k === 2 ? [[0, 1]] : [[1, 2], [0, 2], [0, 1]];
}

function planeRotation(k: number, [i, j]: [number, number], degrees: number): number[][] {
  const m = identityMatrix(k);
  if (degrees === 0) return m;
  const t = (degrees * Math.PI) / 180;
  // Output-to-input in index space; +90 degrees equals rotate90 with k = 1 (numpy's rot90).
  m[i]![i] = Math.cos(t);
  m[i]![j] = Math.sin(t);
  m[j]![i] = -Math.sin(t);
  m[j]![j] = Math.cos(t);
  return m;
}

/**
 * The output-to-input index mapping of affine parameters for one sample: matrix
 * `R * Sh * Z^-1` about the centre, then the shift. Exposed for tests and for users who want
 * the matrix of a draw.
 *
 * @example
 * ```ts
 * // zoom x2 on a 64 x 64 image: each output index reads the input at half the distance from the centre
 * const { matrix } = affineMatrix(2, { rotation: [0], scale: [2, 2], translation: [0, 0], shear: [0] }, [64, 64]);
 * // matrix: [[0.5, 0], [0, 0.5]]
 * ```
 */
export function affineMatrix(k: 2 | 3, params: { rotation: number[]; scale: number[]; translation: number[]; shear: number[] }, spatial: readonly number[]): { matrix: number[][]; offset: number[] } {
  let m = identityMatrix(k);
  planes(k).forEach((plane, p) => {
    m = matMul(m, planeRotation(k, plane, params.rotation[p] ?? 0));
  });
  const shear = identityMatrix(k);
  (k === 2 ? [[0, 1]] : [[0, 1], [0, 2], [1, 2]]).forEach(([i, j], p) => {
    shear[i!]![j!] = params.shear[p] ?? 0;
  });
  m = matMul(m, shear);
  m = m.map((row) => row.map((v, j) => v / params.scale[j]!));
  const offset = params.translation.map((t, a) => (t === 0 ? 0 : -t * spatial[a]!));
  return { matrix: m, offset };
}

/**
 * Random affine transform (rotation, zoom, shift, shear) of image and mask, composed into ONE
 * resampling per call (interpolating once keeps images sharp: nnU-Net's SpatialTransform does the
 * same). Images are interpolated bilinearly (2D) / trilinearly (3D), masks by nearest neighbour,
 * so masks keep only their label values (plus `maskFill` where the view leaves the input).
 * Parameters are drawn per sample; the transform is about the centre of the array.
 *
 * Defaults follow the common U-Net recipe: rotation +-15 degrees, zoom 0.9..1.1, no shift or
 * shear. nnU-Net's are rotation +-180 (2D) / +-30 (3D) with probability 0.2 and zoom 0.7..1.4
 * with probability 0.2 (see {@link nnUNetAugmentation}).
 *
 * @example
 * ```ts
 * const t = affine({ rotation: 15, scale: [0.9, 1.1], seed: 1 });
 * const out = t({ image, mask }); // out.image, out.mask: [N, H, W, C] or [N, D, H, W, C]
 * ```
 */
export function affine(options: AffineOptions = {}): ParametricTransform<AffineParams> {
  const fn = 'affine';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, [
    'rotation', 'scale', 'isotropicScale', 'translation', 'shear', 'rotationProbability', 'scaleProbability',
    'translationProbability', 'shearProbability', 'seed', 'padding', 'fill', 'maskFill',
  ]);
  const {
    rotation = 15, scale = [0.9, 1.1], isotropicScale = true, translation = 0, shear = 0,
    rotationProbability = 1, scaleProbability = 1, translationProbability = 1, shearProbability = 1,
    seed, padding = 'constant', fill = 0, maskFill = 0,
  } = options;
  const isRangeLike = (r: unknown): boolean => typeof r === 'number' || (Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number'));
  const rotations: Array<[number, number]> =
    Array.isArray(rotation) && rotation.length === 3
      ? (rotation as RangeLike[]).map((r, i) => toRange(fn, `options.rotation[${i}]`, r, { symmetric: true, min: -360, max: 360 }))
      : isRangeLike(rotation)
        ? [toRange(fn, 'options.rotation', rotation, { symmetric: true, min: -360, max: 360 })]
        : (toRange(fn, 'options.rotation', rotation, { symmetric: true }), []);
  const scaleRange = toRange(fn, 'options.scale', scale, { min: 0, minExclusive: true, fixedNumber: true });
  const translationRange = toRange(fn, 'options.translation', translation, { symmetric: true, min: -1, max: 1 });
  const shearRange = toRange(fn, 'options.shear', shear, { symmetric: true, min: -10, max: 10 });
  assertBoolean(fn, 'options.isotropicScale', isotropicScale);
  assertProbability(fn, 'options.rotationProbability', rotationProbability);
  assertProbability(fn, 'options.scaleProbability', scaleProbability);
  assertProbability(fn, 'options.translationProbability', translationProbability);
  assertProbability(fn, 'options.shearProbability', shearProbability);
  assertOneOf(fn, 'options.padding', padding, BORDER_MODES);
  assertNumber(fn, 'options.fill', fill);
  assertNumber(fn, 'options.maskFill', maskFill);

  const draw = (rng: Rng, batchSize: number, sample: Sample): AffineParams => {
    const k = spatialDimsOf(sample);
    const planeRanges = rotations.length === 3 ? rotations : Array.from({ length: k === 2 ? 1 : 3 }, () => rotations[0]!);
    if (k === 2 && rotations.length === 3) {
      throw new UnetKitError(fn, 'options.rotation', 'has three per-axis ranges but the sample is 2D; expected one range.');
    }
    const params: AffineParams = { rotation: [], scale: [], translation: [], shear: [] };
    for (let s = 0; s < batchSize; s++) {
      const rotate = rng.bernoulli(rotationProbability);
      params.rotation.push(planeRanges.map(([lo, hi]) => (rotate ? rng.uniform(lo, hi) : 0)));
      const zoom = rng.bernoulli(scaleProbability);
      const one = zoom ? rng.uniform(scaleRange[0], scaleRange[1]) : 1;
      params.scale.push(Array.from({ length: k }, (_, a) => (!zoom ? 1 : isotropicScale || a === 0 ? one : rng.uniform(scaleRange[0], scaleRange[1]))));
      const shift = rng.bernoulli(translationProbability);
      params.translation.push(Array.from({ length: k }, () => (shift ? rng.uniform(translationRange[0], translationRange[1]) : 0)));
      const shearing = rng.bernoulli(shearProbability);
      params.shear.push(Array.from({ length: k === 2 ? 1 : 3 }, () => (shearing ? rng.uniform(shearRange[0], shearRange[1]) : 0)));
    }
    return params;
  };

  const apply = (sample: Sample, params: AffineParams): Sample => {
    const k = spatialDimsOf(sample);
    const spatial = sample.image.shape.slice(1, -1);
    const n = sample.image.shape[0]!;
    if (params.rotation.length !== n) {
      throw new UnetKitError(fn, 'params', `hold ${params.rotation.length} samples; the batch has ${n}.`);
    }
    const built = params.rotation.map((_, s) =>
      affineMatrix(k, { rotation: params.rotation[s]!, scale: params.scale[s]!, translation: params.translation[s]!, shear: params.shear[s]! }, spatial),
    );
    return applyMapping(sample, { matrices: built.map((b) => b.matrix), offsets: built.map((b) => b.offset) }, { padding, fill, maskFill });
  };
  return makeTransform(fn, seed, draw, apply);
}
