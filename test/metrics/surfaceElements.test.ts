import { describe, expect, it } from 'vitest';
import { neighbourCodeMeasures, subvoxelSurfaceUnchecked } from '../../src/metrics/surfaceElements.js';
import { expectClose } from '../helpers/numeric.js';

// Corner bits as MONAI's encoding kernel: 2D corner (a, b) is 1 << (3 - (2a + b)); 3D corner (a, b, c) is 1 << (7 - (4a + 2b + c)).
describe('neighbourCodeMeasures', () => {
  it('2D: contour lengths through the cut-edge midpoints, spacing applied', () => {
    const [s0, s1] = [1.5, 0.5];
    const t = neighbourCodeMeasures([s0, s1]);
    const half = Math.hypot(s0, s1) / 2; // a corner cut from (0, 1/2) to (1/2, 0)
    expect(t.length).toBe(16);
    expectClose(Array.from(t), [0, half, half, s1, half, s0, 2 * half, half, half, 2 * half, s0, half, s1, half, half, 0], 1e-12);
  });

  it('3D: single corner, faces, a corner-cut rectangle, the regular hexagon', () => {
    const [s0, s1, s2] = [2, 1, 0.5];
    const c = [s1 * s2, s0 * s2, s0 * s1]; // how a unit area vector (n0, n1, n2) scales per component
    const t = neighbourCodeMeasures([s0, s1, s2]);
    expect(t.length).toBe(256);
    expect(t[0]).toBe(0);
    expect(t[255]).toBe(0);
    // one corner: triangle with area vector (1, 1, 1) / 8
    expectClose(t[0b00000001], Math.hypot(...c) / 8, 1e-12);
    // faces: the far half along axis 0 (bits of a = 1), along axis 1 (b = 1), along axis 2 (c = 1)
    expectClose(t[0b00001111], s1 * s2, 1e-12);
    expectClose(t[0b00110011], s0 * s2, 1e-12);
    expectClose(t[0b01010101], s0 * s1, 1e-12);
    // corners (1,1,0) and (1,1,1): a rectangle s2 long, cutting the (axis 0, axis 1) corner
    expectClose(t[0b00000011], (s2 * Math.hypot(s0, s1)) / 2, 1e-12);
    // (1,1,1) and its three neighbours: the planar hexagon x + y + z = 3/2, area vector (3/4)(1, 1, 1)
    expectClose(t[0b00010111], 0.75 * Math.hypot(...c), 1e-12);
    // two diagonal corners of a face: two separate corner triangles
    expectClose(t[0b00000110], Math.hypot(...c) / 4, 1e-12);
    // three corners of the face a = 1 (non-planar pentagon): the triangle in the plane a = 1/2,
    // area vector (1/2, 0, 0), plus the planar quad on x + y + z = 3/2, area vector (3/8)(1, 1, 1)
    expectClose(t[0b00000111], 0.5 * c[0]! + 0.375 * Math.hypot(...c), 1e-12);
    expectClose(neighbourCodeMeasures([1, 1, 1])[0b00000111], 0.5 + (3 * Math.sqrt(3)) / 8, 1e-12);
  });

  it('3D invariants: a code and its complement measure the same; axes permute with the spacing', () => {
    const s = [0.7, 1.9, 3.1];
    const t = neighbourCodeMeasures(s);
    for (let code = 0; code < 256; code++) expectClose(t[255 - code], t[code], 1e-12);
    // swapping axes 0 and 2 maps corner (a, b, c) to (c, b, a)
    const swapped = neighbourCodeMeasures([s[2]!, s[1]!, s[0]!]);
    const swapCode = (code: number): number => {
      let out = 0;
      for (let k = 0; k < 8; k++) {
        if (((code >> (7 - k)) & 1) === 0) continue;
        const [a, b, c] = [(k >> 2) & 1, (k >> 1) & 1, k & 1];
        out |= 1 << (7 - (4 * c + 2 * b + a));
      }
      return out;
    };
    for (let code = 0; code < 256; code++) expectClose(swapped[swapCode(code)], t[code], 1e-12);
  });

  it('2D: the measures of a k x k square add up to its octagon perimeter', () => {
    // sides (k - 1) s0 and (k - 1) s1, twice each, and four corner cuts of |s| / 2
    const [s0, s1] = [0.8, 2.5];
    const table = neighbourCodeMeasures([s0, s1]);
    for (const k of [1, 3, 4]) {
      const mask = new Uint8Array((k + 2) * (k + 2));
      for (let r = 1; r <= k; r++) for (let c = 1; c <= k; c++) mask[r * (k + 2) + c] = 1;
      const surface = subvoxelSurfaceUnchecked(mask, [k + 2, k + 2], table);
      const total = surface.areas.reduce((a, b) => a + b, 0);
      expectClose(total, 2 * (k - 1) * (s0 + s1) + 2 * Math.hypot(s0, s1), 1e-12);
      expect(surface.edges.reduce((a, b) => a + b, 0)).toBe(4 * k);
    }
  });

  it('3D: the measures of a box add up to its faceted surface', () => {
    // a 3x3x3 box: 6 faces of (3-1)^2 unit squares, 12 edges of (3-1) corner-cut rectangles, 8 corner triangles
    const mask = new Uint8Array(27).fill(1);
    const surface = subvoxelSurfaceUnchecked(mask, [3, 3, 3], neighbourCodeMeasures([1, 1, 1]));
    expect(surface.shape).toEqual([4, 4, 4]);
    let total = 0;
    let count = 0;
    surface.areas.forEach((a, i) => ((total += a), (count += surface.edges[i]!)));
    expect(count).toBe(64 - 8);
    expectClose(total, 6 * 4 + 12 * 2 * (Math.SQRT2 / 2) + (8 * Math.sqrt(3)) / 8, 1e-12);
  });

  it('rejects a spacing of the wrong rank or sign', () => {
    expect(() => neighbourCodeMeasures([1])).toThrow(/neighbourCodeMeasures: spacing is \[1\]; expected an array of 2 or 3 positive numbers/);
    expect(() => neighbourCodeMeasures([1, 0])).toThrow(/neighbourCodeMeasures: spacing/);
  });
});
