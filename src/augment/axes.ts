import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';

/**
 * Validates spatial axis indices against a rank: `0 .. k-1` counts spatial axes (0 = first
 * spatial axis, H in 2D, D in 3D). One clear error for unknown axes.
 */
export function assertSpatialAxes(functionName: string, argument: string, axes: readonly number[], k: number): void {
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < 0 || axis >= k) {
      throw new UnetKitError(
        functionName,
        argument,
        `is ${formatValue(axes)}; axis ${formatValue(axis)} is unknown: expected spatial axes ${Array.from({ length: k }, (_, i) => i).join(', ')} (0 = ${k === 2 ? 'H, 1 = W' : 'D, 1 = H, 2 = W'}).`,
      );
    }
  }
}

/** Checks the static shape of an axes option before any sample is seen (integers 0..2, no repeats). */
export function assertAxesOption(functionName: string, argument: string, axes: unknown): asserts axes is number[] {
  if (!Array.isArray(axes) || axes.length === 0 || new Set(axes).size !== axes.length) {
    throw new UnetKitError(functionName, argument, `is ${formatValue(axes)}; expected a non-empty array of distinct spatial axes (0, 1 or 2).`);
  }
  assertSpatialAxes(functionName, argument, axes as number[], 3);
}
