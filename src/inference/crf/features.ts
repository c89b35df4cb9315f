/**
 * The feature vectors of the dense CRF's two kernels (Krähenbühl and Koltun 2011, eq. 3), one row
 * per voxel in row-major spatial order, each coordinate already divided by its standard deviation
 * so that the lattice filters with `exp(-|f_i - f_j|^2 / 2)`:
 * - smoothness (Gaussian): `p_a * spacing_a / sxy_a` per spatial axis a;
 * - appearance (bilateral): the same positions with the bilateral `sxy`, then `I_c / srgb_c` per
 *   image channel c.
 */

/**
 * Positions of every voxel of a grid `dims` (H, W or D, H, W) scaled by `spacing / sigma` per
 * axis, followed by `channels` image values per voxel divided by `channelSigma` when `image` is
 * given (`image` holds this sample's `[voxels, channels]` values, point-major).
 *
 * @example `gridFeatures([2, 2], [1, 1], [3, 3])` is the four points (0, 0), (0, 1/3), (1/3, 0), (1/3, 1/3).
 */
export function gridFeatures(
  dims: readonly number[],
  spacing: readonly number[],
  sigma: readonly number[],
  image?: { values: ArrayLike<number>; offset: number; channels: number; sigma: readonly number[] },
): { features: Float64Array; dims: number } {
  const s = dims.length;
  const n = dims.reduce((a, b) => a * b, 1);
  const c = image?.channels ?? 0;
  const d = s + c;
  const features = new Float64Array(n * d);
  const step = dims.map((_, a) => spacing[a]! / sigma[a]!);
  const index = new Array<number>(s).fill(0);
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < s; a++) features[p * d + a] = index[a]! * step[a]!;
    for (let k = 0; k < c; k++) features[p * d + s + k] = image!.values[image!.offset + p * c + k]! / image!.sigma[k]!;
    // Odometer over the spatial axes, the last fastest (row-major, as the tensor is laid out).
    for (let a = s - 1; a >= 0; a--) {
      if (++index[a]! < dims[a]!) break;
      index[a] = 0;
    }
  }
  return { features, dims: d };
}
