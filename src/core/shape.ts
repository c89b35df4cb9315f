/**
 * The product of `sizes` (1 for an empty list): the element count of a shape, the voxel count
 * of a spatial shape, the stride of an axis. Internal helper.
 *
 * @example `product([2, 3, 4])` is 24; `product([])` is 1.
 */
export function product(sizes: readonly number[]): number {
  let total = 1;
  for (const size of sizes) total *= size;
  return total;
}
