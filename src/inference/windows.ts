import { assertInteger, assertNumber } from '../core/assert.js';

/**
 * The start positions of sliding windows of `roi` voxels along one axis of `size` voxels, laid
 * out as MONAI's `dense_patch_slices` (and nnU-Net) do: a stride of
 * `floor(roi * (1 - overlap))` (at least 1; the whole axis when `roi === size`), and the last
 * window shifted back so that it ends exactly at the edge. Every voxel is covered.
 *
 * Unlike `patchStarts` (data module, used by `extractPatches`), which spaces its windows evenly
 * as nnU-Net's `compute_steps_for_sliding_window` does, the stride here is fixed, so only the
 * last window may overlap more: `windowStarts(100, 64, 0.5)` is `[0, 32, 36]` where
 * `patchStarts(100, 64, 0.5)` is `[0, 18, 36]`. Neither can be built on the other.
 *
 * @param size - axis length (at least `roi`; pad smaller images first).
 * @param roi - window length along the axis.
 * @param overlap - fraction of the window shared by neighbours, in [0, 1).
 * @returns ascending start indices; the first is 0, the last is `size - roi`.
 * @example `windowStarts(10, 4, 0.5)` is `[0, 2, 4, 6]`; `windowStarts(11, 4, 0.5)` is `[0, 2, 4, 6, 7]`.
 */
export function windowStarts(size: number, roi: number, overlap: number): number[] {
  const fn = 'windowStarts';
  assertInteger(fn, 'roi', roi, { min: 1 });
  assertInteger(fn, 'size', size, { min: roi });
  assertNumber(fn, 'overlap', overlap, { min: 0, max: 1, maxExclusive: true });
  const interval = roi === size ? roi : Math.max(1, Math.floor(roi * (1 - overlap)));
  const starts: number[] = [];
  for (let start = 0; ; start += interval) {
    if (start + roi >= size) {
      starts.push(size - roi);
      break;
    }
    starts.push(start);
  }
  return starts;
}
