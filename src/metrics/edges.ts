import { assertNumberArray, fail } from '../core/assert.js';
import { truthyMask } from './masks.js';

/**
 * Surface (edge) voxels of a binary mask, as MONAI's `get_mask_edges` (`monai/metrics/utils.py`) finds them:
 * `edges = mask XOR binary_erosion(mask)` with SciPy's default structuring element (the cross:
 * face neighbours only) and `border_value = 0`. So a foreground voxel is an edge voxel when any
 * of its `2 * rank` face neighbours is background or lies outside the grid.
 *
 * MONAI crops to the bounding box of `pred | gt` first; that only saves time (outside the box
 * everything is background, which is what erosion assumes outside the grid anyway), so the
 * edges are the same with or without it.
 *
 * @param mask - Flat row-major grid (C order), nonzero = foreground.
 * @param shape - Spatial shape, any rank >= 1.
 * @returns A new `Uint8Array` with 1 on edge voxels.
 * @example
 * ```ts
 * // a filled 3x3 square in a 3x3 image: everything but the centre is an edge voxel
 * maskEdges(new Uint8Array(9).fill(1), [3, 3]); // [1, 1, 1, 1, 0, 1, 1, 1, 1]
 * ```
 */
export function maskEdges(mask: ArrayLike<number | boolean>, shape: readonly number[]): Uint8Array {
  const fn = 'maskEdges';
  if (!Array.isArray(shape) || shape.length === 0) fail(fn, 'shape', shape, 'a non-empty array of positive integers');
  assertNumberArray(fn, 'shape', shape, { min: 1, integer: true });
  const size = shape.reduce((a, b) => a * b, 1);
  if (mask === null || typeof mask !== 'object' || typeof mask.length !== 'number' || mask.length !== size) {
    fail(fn, 'mask', mask, `an array of ${size} values (the product of shape ${JSON.stringify(shape)})`);
  }
  return maskEdgesUnchecked(truthyMask(fn, 'mask', mask), shape);
}

/** {@link maskEdges} on an already binary `Uint8Array`, without validation. */
export function maskEdgesUnchecked(mask: Uint8Array, shape: readonly number[]): Uint8Array {
  const size = mask.length;
  const edges = new Uint8Array(size);
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= shape[a]!;
  }
  // Walk the grid with an odometer of coordinates instead of dividing every flat index.
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    if (mask[i] !== 0) {
      for (let a = 0; a < rank; a++) {
        const c = coord[a]!;
        const st = strides[a]!;
        if (c === 0 || mask[i - st] === 0 || c === shape[a]! - 1 || mask[i + st] === 0) {
          edges[i] = 1;
          break;
        }
      }
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < shape[a]!) break;
      coord[a] = 0;
    }
  }
  return edges;
}
