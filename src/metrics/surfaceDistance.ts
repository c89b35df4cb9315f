import { assertBoolean, assertKnownKeys, assertOneOf, assertOptionsObject } from '../core/assert.js';
import { DISTANCE_METRICS, distanceTransformUnchecked, resolveSpacing } from './distanceTransform.js';
import type { DistanceMetric } from './distanceTransform.js';
import { maskEdgesUnchecked } from './edges.js';
import { extractPair, readSurfaceInputs } from './masks.js';
import type { MaskInput, MaskPair } from './masks.js';

/** Options shared by the surface metrics (Hausdorff, average surface distance, surface Dice). */
export interface SurfaceMetricOptions {
  /** Voxel size per spatial axis (or one number for all); distances are in its unit. Default 1. */
  spacing?: number | readonly number[];
  /** `'euclidean'` (default), `'chessboard'` or `'taxicab'`; see {@link distanceTransform}. */
  distance?: DistanceMetric;
  /**
   * Measure `'chessboard'` and `'taxicab'` distances in voxels whatever `spacing` is, as MONAI
   * does (SciPy's `distance_transform_cdt` takes no spacing). Default false: unet-kit applies
   * the spacing to every metric.
   */
  chamferIgnoresSpacing?: boolean;
  /**
   * Evaluate channel 0 too. Default `false`, as MONAI: with more than one channel, channel 0
   * (the background of a one-hot map) is skipped; a single channel is always evaluated.
   */
  includeBackground?: boolean;
}

/** Surface distances of one mask pair, in both directions. */
export interface PairDistances {
  /** For every edge voxel of `pred`, the distance to the nearest edge voxel of `target`. */
  predToTarget: Float64Array;
  /** For every edge voxel of `target`, the distance to the nearest edge voxel of `pred` (when asked). */
  targetToPred: Float64Array | undefined;
}

/**
 * MONAI's `get_surface_distance` (`monai/metrics/utils.py`) on erosion edges (`get_mask_edges`): distances from the edge
 * voxels of one mask to the nearest edge voxel of the other, through one exact distance
 * transform per direction. Both masks must be non-empty.
 */
export function pairSurfaceDistances(
  pair: MaskPair,
  spacing: readonly number[],
  distance: DistanceMetric,
  symmetric: boolean,
): PairDistances {
  const predEdges = maskEdgesUnchecked(pair.pred, pair.shape);
  const targetEdges = maskEdgesUnchecked(pair.target, pair.shape);
  const toTarget = distanceTransformUnchecked(targetEdges, pair.shape, spacing, distance);
  const predToTarget = gather(toTarget, predEdges);
  let targetToPred: Float64Array | undefined;
  if (symmetric) {
    const toPred = distanceTransformUnchecked(predEdges, pair.shape, spacing, distance);
    targetToPred = gather(toPred, targetEdges);
  }
  return { predToTarget, targetToPred };
}

function gather(field: Float64Array, where: Uint8Array): Float64Array {
  let count = 0;
  for (let i = 0; i < where.length; i++) count += where[i]!;
  const out = new Float64Array(count);
  for (let i = 0, k = 0; i < where.length; i++) if (where[i] !== 0) out[k++] = field[i]!;
  return out;
}

/**
 * The `p`-th percentile (0..100) with linear interpolation between order statistics, as
 * `numpy.percentile` / `torch.quantile` (what MONAI uses): with the values sorted,
 * `h = (n - 1) * p / 100`, result `v[floor(h)] + (h - floor(h)) * (v[floor(h) + 1] - v[floor(h)])`.
 * `undefined` gives the maximum. NaN for no values.
 */
export function percentileOf(values: Float64Array, p: number | undefined): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (p === undefined) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
    return max;
  }
  const sorted = Float64Array.from(values).sort();
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Runs a surface metric over every sample and evaluated class: validates the shared options
 * and inputs, crops each pair and calls `perPair`, which receives the pair and the resolved
 * spacing/distance. Returns `[N][classes]`.
 */
export function surfaceMetricLoop(
  functionName: string,
  pred: MaskInput,
  target: MaskInput,
  options: SurfaceMetricOptions & Record<string, unknown>,
  extraKeys: readonly string[],
  perPair: (pair: MaskPair, spacing: readonly number[], distance: DistanceMetric, classIndex: number) => number,
  beforeLoop?: (classCount: number, spatialRank: number) => void,
): number[][] {
  assertOptionsObject(functionName, options);
  assertKnownKeys(functionName, options, ['spacing', 'distance', 'chamferIgnoresSpacing', 'includeBackground', ...extraKeys]);
  const { distance = 'euclidean', chamferIgnoresSpacing = false, includeBackground = false } = options;
  assertOneOf(functionName, 'options.distance', distance, DISTANCE_METRICS);
  assertBoolean(functionName, 'options.chamferIgnoresSpacing', chamferIgnoresSpacing);
  const inputs = readSurfaceInputs(functionName, pred, target, includeBackground);
  const resolved = resolveSpacing(functionName, options.spacing, inputs.spatialShape.length);
  const spacing = chamferIgnoresSpacing && distance !== 'euclidean' ? resolved.map(() => 1) : resolved;
  beforeLoop?.(inputs.classes.length, inputs.spatialShape.length);
  const result: number[][] = [];
  for (let b = 0; b < inputs.batch; b++) {
    result.push(inputs.classes.map((c, k) => perPair(extractPair(inputs, b, c), spacing, distance, k)));
  }
  return result;
}
