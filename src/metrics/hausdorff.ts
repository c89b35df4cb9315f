import { assertBoolean, assertNumber, assertOneOf } from '../core/assert.js';
import type { MaskInput } from './masks.js';
import { pairSurfaceDistances, percentileOf, surfaceMetricLoop } from './surfaceDistance.js';
import type { SurfaceMetricOptions } from './surfaceDistance.js';

/** What a distance is when exactly one of the two surfaces is missing. */
export type MissingSurface = 'nan' | 'inf';

/** Options of {@link hausdorffDistance}. */
export interface HausdorffOptions extends SurfaceMetricOptions {
  /** Percentile (0..100) of the distances instead of their maximum: 95 gives HD95. Default: maximum. */
  percentile?: number;
  /** Only the distances from `pred`'s surface to `target`'s (MONAI's `directed`). Default `false`. */
  directed?: boolean;
  /**
   * The value when exactly one mask is empty: `'inf'` (default, as MONAI: a model that predicts
   * nothing where there is something scores the worst distance) or `'nan'` (left out of the
   * averages of {@link meanIgnoringNaN}). Both empty is always NaN.
   */
  missingSurface?: MissingSurface;
}

/**
 * Hausdorff distance (HD, or HD95 with `percentile: 95`) between binary masks, per sample and
 * class, following MONAI's `compute_hausdorff_distance` (`monai/metrics/hausdorff_distance.py`):
 * surfaces are the erosion edges of each mask (`get_mask_edges`); `d(P->T)` are the distances
 * from every surface voxel of `pred` to the nearest surface voxel of `target`
 * (`get_surface_distance`, exact distance transform with voxel `spacing`); then
 * `HD = max(pct(d(P->T)), pct(d(T->P)))` where `pct` is the maximum or the given percentile
 * (linear interpolation, as `numpy.percentile`); `directed` keeps only `pct(d(P->T))`.
 *
 * Inputs are binary masks `[N, ...spatial, C]` (channels last, any spatial rank >= 1, one-hot
 * for multi-class), as a `tf.Tensor` (read once with `dataSync`; nothing is disposed) or a
 * {@link MaskArray}. Runs on the CPU in typed arrays, cropped to the bounding box of
 * `pred | target`.
 *
 * Exactly one empty mask gives Infinity, both empty NaN, as MONAI (`missingSurface: 'nan'` for
 * NaN in both cases). Difference from MONAI, on purpose: `'chessboard'` and `'taxicab'` respect
 * `spacing` (SciPy's chamfer transform MONAI calls ignores it).
 *
 * @returns `[N][K]` distances, K the evaluated channels (see `includeBackground`, default false
 *   as MONAI). Average with {@link meanIgnoringNaN}.
 * @example
 * ```ts
 * const hd95 = hausdorffDistance(pred, target, { percentile: 95, spacing: [2, 2, 3] });
 * meanIgnoringNaN(hd95); // mean HD95 over samples and classes
 * ```
 */
export function hausdorffDistance(pred: MaskInput, target: MaskInput, options: HausdorffOptions = {}): number[][] {
  const fn = 'hausdorffDistance';
  const { percentile, directed = false, missingSurface = 'inf' } = options ?? {};
  if (percentile !== undefined) assertNumber(fn, 'options.percentile', percentile, { min: 0, max: 100 });
  assertBoolean(fn, 'options.directed', directed);
  assertOneOf(fn, 'options.missingSurface', missingSurface, ['nan', 'inf'] as const);
  return surfaceMetricLoop(
    fn,
    pred,
    target,
    options as HausdorffOptions & Record<string, unknown>,
    ['percentile', 'directed', 'missingSurface'],
    (pair, spacing, distance) => {
      if (pair.predEmpty && pair.targetEmpty) return NaN;
      if (pair.predEmpty || pair.targetEmpty) return missingSurface === 'inf' ? Infinity : NaN;
      const d = pairSurfaceDistances(pair, spacing, distance, !directed);
      const forward = percentileOf(d.predToTarget, percentile);
      return d.targetToPred === undefined ? forward : Math.max(forward, percentileOf(d.targetToPred, percentile));
    },
  );
}
