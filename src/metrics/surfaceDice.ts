import { assertNumber, assertNumberArray, fail } from '../core/assert.js';
import type { MaskInput } from './masks.js';
import { pairSurfaceDistances, surfaceMetricLoop } from './surfaceDistance.js';
import type { SurfaceMetricOptions } from './surfaceDistance.js';

/** Options of {@link normalizedSurfaceDice}. */
export interface SurfaceDiceOptions extends SurfaceMetricOptions {
  /**
   * Required. Distance (in `spacing` units) within which a surface voxel counts as matched:
   * one number for every class, or one per evaluated class (MONAI's `class_thresholds`).
   */
  tolerance: number | readonly number[];
}

/**
 * Normalized surface Dice (NSD, surface Dice at tolerance tau) per sample and class, following
 * MONAI's `compute_surface_dice` (`monai/metrics/surface_dice.py`, without sub-voxel surface areas), after Nikolov et al. 2021,
 * "Clinically applicable segmentation of head and neck anatomy for radiotherapy":
 * `NSD = (|{d(P->T) <= tau}| + |{d(T->P) <= tau}|) / (|dP| + |dT|)`, where `dP`, `dT` are the
 * erosion-edge voxels of `pred` and `target` and `d` the exact distances to the other surface
 * (voxel `spacing` applied).
 *
 * NaN when both masks are empty; 0 when exactly one is (no surface voxel can be matched: MONAI's
 * value, since its distances to a missing surface are infinite). In [0, 1]; 1 for identical masks.
 * Inputs as {@link hausdorffDistance}; returns `[N][K]`.
 *
 * @example
 * ```ts
 * const nsd = normalizedSurfaceDice(pred, target, { tolerance: 2, spacing: [1, 1, 2] });
 * ```
 */
export function normalizedSurfaceDice(pred: MaskInput, target: MaskInput, options: SurfaceDiceOptions): number[][] {
  const fn = 'normalizedSurfaceDice';
  if (options === undefined || options === null || typeof options !== 'object' || !('tolerance' in options)) {
    fail(fn, 'options.tolerance', undefined, 'a distance >= 0 (or one per class), e.g. { tolerance: 2 }');
  }
  const { tolerance } = options;
  if (typeof tolerance === 'number') assertNumber(fn, 'options.tolerance', tolerance, { min: 0 });
  else assertNumberArray(fn, 'options.tolerance', tolerance, { min: 0 });
  let perClass: readonly number[] = [];
  return surfaceMetricLoop(
    fn,
    pred,
    target,
    options as unknown as SurfaceDiceOptions & Record<string, unknown>,
    ['tolerance'],
    (pair, spacing, distance, k) => {
      if (pair.predEmpty && pair.targetEmpty) return NaN;
      if (pair.predEmpty || pair.targetEmpty) return 0;
      const tau = perClass[k]!;
      const d = pairSurfaceDistances(pair, spacing, distance, true);
      let matched = 0;
      for (const v of d.predToTarget) if (v <= tau) matched++;
      for (const v of d.targetToPred!) if (v <= tau) matched++;
      return matched / (d.predToTarget.length + d.targetToPred!.length);
    },
    (classCount) => {
      if (typeof tolerance === 'number') perClass = new Array<number>(classCount).fill(tolerance);
      else {
        assertNumberArray(fn, 'options.tolerance', tolerance, { min: 0 }, classCount);
        perClass = tolerance;
      }
    },
  );
}
