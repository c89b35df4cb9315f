import { assertBoolean, assertNumber, assertNumberArray, fail } from '../core/assert.js';
import type { DistanceMetric } from './distanceTransform.js';
import { distanceTransformUnchecked, resolveSpacing } from './distanceTransform.js';
import type { MaskInput, MaskPair } from './masks.js';
import { neighbourCodeMeasuresUnchecked, subvoxelSurfaceUnchecked } from './surfaceElements.js';
import { pairSurfaceDistances, surfaceMetricLoop } from './surfaceDistance.js';
import type { SurfaceMetricOptions } from './surfaceDistance.js';

/** Options of {@link normalizedSurfaceDice}. */
export interface SurfaceDiceOptions extends SurfaceMetricOptions {
  /**
   * Required. Distance (in `spacing` units) within which a surface voxel counts as matched:
   * one number for every class, or one per evaluated class (MONAI's `class_thresholds`).
   */
  tolerance: number | readonly number[];
  /**
   * Weigh every boundary element by its length (2D) or area (3D), as MONAI's `use_subvoxels=True`
   * and DeepMind's `surface-distance`: the boundary lies between voxel centres (marching squares /
   * cubes on every `2 x 2 (x 2)` neighbourhood, see {@link neighbourCodeMeasures}), its elements
   * are the mixed neighbourhoods, measured with `spacing`, and distances run between their
   * centres. 2D and 3D only. Default `false`: every erosion-edge voxel counts 1 (MONAI's default).
   */
  useSubvoxels?: boolean;
}

/**
 * Normalized surface Dice (NSD, surface Dice at tolerance tau) per sample and class, following
 * MONAI's `compute_surface_dice` (`monai/metrics/surface_dice.py`), after Nikolov et al. 2021,
 * "Clinically applicable segmentation of head and neck anatomy for radiotherapy":
 * `NSD = (|{d(P->T) <= tau}| + |{d(T->P) <= tau}|) / (|dP| + |dT|)`, where `dP`, `dT` are the
 * erosion-edge voxels of `pred` and `target` and `d` the exact distances to the other surface
 * (voxel `spacing` applied). With `useSubvoxels: true` (MONAI's `use_subvoxels=True`), the
 * counts become sums of boundary-element areas `a`:
 * `NSD = (sum a_P[d(P->T) <= tau] + sum a_T[d(T->P) <= tau]) / (sum a_P + sum a_T)`.
 *
 * NaN when both masks are empty; 0 when exactly one is (no surface voxel can be matched: MONAI's
 * value, since its distances to a missing surface are infinite). In [0, 1]; 1 for identical masks.
 * Inputs as {@link hausdorffDistance}; returns `[N][K]`.
 *
 * @example
 * ```ts
 * const nsd = normalizedSurfaceDice(pred, target, { tolerance: 2, spacing: [1, 1, 2] });
 * const nsdAreas = normalizedSurfaceDice(pred, target, { tolerance: 2, spacing: [1, 1, 2], useSubvoxels: true });
 * ```
 */
export function normalizedSurfaceDice(pred: MaskInput, target: MaskInput, options: SurfaceDiceOptions): number[][] {
  const fn = 'normalizedSurfaceDice';
  if (options === undefined || options === null || typeof options !== 'object' || !('tolerance' in options)) {
    fail(fn, 'options.tolerance', undefined, 'a distance >= 0 (or one per class), e.g. { tolerance: 2 }');
  }
  const { tolerance, useSubvoxels = false } = options;
  if (typeof tolerance === 'number') assertNumber(fn, 'options.tolerance', tolerance, { min: 0 });
  else assertNumberArray(fn, 'options.tolerance', tolerance, { min: 0 });
  assertBoolean(fn, 'options.useSubvoxels', useSubvoxels);
  let perClass: readonly number[] = [];
  let measures: Float64Array | undefined;
  return surfaceMetricLoop(
    fn,
    pred,
    target,
    options as unknown as SurfaceDiceOptions & Record<string, unknown>,
    ['tolerance', 'useSubvoxels'],
    (pair, spacing, distance, k) => {
      if (pair.predEmpty && pair.targetEmpty) return NaN;
      if (pair.predEmpty || pair.targetEmpty) return 0;
      const tau = perClass[k]!;
      if (measures !== undefined) return subvoxelSurfaceDice(pair, spacing, distance, tau, measures);
      const d = pairSurfaceDistances(pair, spacing, distance, true);
      let matched = 0;
      for (const v of d.predToTarget) if (v <= tau) matched++;
      for (const v of d.targetToPred!) if (v <= tau) matched++;
      return matched / (d.predToTarget.length + d.targetToPred!.length);
    },
    (classCount, spatialRank) => {
      if (useSubvoxels) {
        if (spatialRank !== 2 && spatialRank !== 3) {
          fail(fn, 'options.useSubvoxels', useSubvoxels, `false for ${spatialRank}D masks (sub-voxel surfaces are defined in 2D and 3D)`);
        }
        // The areas take the true spacing, even where chamferIgnoresSpacing drops it from the distances (as MONAI).
        measures = neighbourCodeMeasuresUnchecked(resolveSpacing(fn, options.spacing, spatialRank));
      }
      if (typeof tolerance === 'number') perClass = new Array<number>(classCount).fill(tolerance);
      else {
        assertNumberArray(fn, 'options.tolerance', tolerance, { min: 0 }, classCount);
        perClass = tolerance;
      }
    },
  );
}

/** Area-weighted NSD of one pair of non-empty masks on their sub-voxel surfaces. */
function subvoxelSurfaceDice(
  pair: MaskPair,
  spacing: readonly number[],
  distance: DistanceMetric,
  tolerance: number,
  measures: Float64Array,
): number {
  const pred = subvoxelSurfaceUnchecked(pair.pred, pair.shape, measures);
  const target = subvoxelSurfaceUnchecked(pair.target, pair.shape, measures);
  const toTarget = distanceTransformUnchecked(target.edges, target.shape, spacing, distance);
  const toPred = distanceTransformUnchecked(pred.edges, pred.shape, spacing, distance);
  let matched = 0;
  let total = 0;
  for (let i = 0; i < pred.edges.length; i++) {
    if (pred.edges[i] !== 0) {
      total += pred.areas[i]!;
      if (toTarget[i]! <= tolerance) matched += pred.areas[i]!;
    }
    if (target.edges[i] !== 0) {
      total += target.areas[i]!;
      if (toPred[i]! <= tolerance) matched += target.areas[i]!;
    }
  }
  // Both masks are non-empty, so both boundaries have positive measure.
  return matched / total;
}
