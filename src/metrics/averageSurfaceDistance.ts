import { assertBoolean, assertOneOf } from '../core/assert.js';
import type { MissingSurface } from './hausdorff.js';
import type { MaskInput } from './masks.js';
import { pairSurfaceDistances, surfaceMetricLoop } from './surfaceDistance.js';
import type { SurfaceMetricOptions } from './surfaceDistance.js';

/** Options of {@link averageSurfaceDistance}. */
export interface AverageSurfaceDistanceOptions extends SurfaceMetricOptions {
  /**
   * Average the distances of both directions together (ASSD). Default `false`, as MONAI:
   * only the distances from `pred`'s surface to `target`'s.
   */
  symmetric?: boolean;
  /** The value when exactly one mask is empty: `'inf'` (default, as MONAI) or `'nan'`. */
  missingSurface?: MissingSurface;
}

/**
 * Average surface distance per sample and class, following MONAI's
 * `compute_average_surface_distance` (`monai/metrics/surface_distance.py`): with `d(P->T)` the distances from each erosion-edge voxel
 * of `pred` to the nearest edge voxel of `target` (exact distance transform, voxel `spacing`),
 * `ASD = mean(d(P->T))`; with `symmetric`, the mean of the concatenation
 * `[d(P->T), d(T->P)]` (so each direction is weighted by its number of surface voxels, not 1/2).
 *
 * Inputs and outputs as {@link hausdorffDistance}: binary `[N, ...spatial, C]` tensors or
 * {@link MaskArray}s; returns `[N][K]`; NaN when both masks are empty, Infinity when exactly one
 * is (as MONAI; NaN with `missingSurface: 'nan'`).
 *
 * @example
 * ```ts
 * const assd = averageSurfaceDistance(pred, target, { symmetric: true, spacing: [1, 1, 2.5] });
 * ```
 */
export function averageSurfaceDistance(
  pred: MaskInput,
  target: MaskInput,
  options: AverageSurfaceDistanceOptions = {},
): number[][] {
  const fn = 'averageSurfaceDistance';
  const { symmetric = false, missingSurface = 'inf' } = options ?? {};
  assertBoolean(fn, 'options.symmetric', symmetric);
  assertOneOf(fn, 'options.missingSurface', missingSurface, ['nan', 'inf'] as const);
  return surfaceMetricLoop(
    fn,
    pred,
    target,
    options as AverageSurfaceDistanceOptions & Record<string, unknown>,
    ['symmetric', 'missingSurface'],
    (pair, spacing, distance) => {
      if (pair.predEmpty && pair.targetEmpty) return NaN;
      if (pair.predEmpty || pair.targetEmpty) return missingSurface === 'inf' ? Infinity : NaN;
      const d = pairSurfaceDistances(pair, spacing, distance, symmetric);
      let sum = 0;
      for (const v of d.predToTarget) sum += v;
      let count = d.predToTarget.length;
      if (d.targetToPred !== undefined) {
        for (const v of d.targetToPred) sum += v;
        count += d.targetToPred.length;
      }
      return sum / count;
    },
  );
}
