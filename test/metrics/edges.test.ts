import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { maskEdges } from '../../src/metrics/edges.js';
import { bruteEdges, coordsOf, randomMask } from './bruteForce.js';

describe('maskEdges', () => {
  it('a full 3x3 image: every voxel but the centre touches the border', () => {
    expect(Array.from(maskEdges(new Uint8Array(9).fill(1), [3, 3]))).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('a 3x3 square inside a 5x5 image: its 8 rim voxels (cross neighbourhood, as SciPy)', () => {
    const mask = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * 5 + x] = 1;
    const edges = maskEdges(mask, [5, 5]);
    // the centre (2,2) has all 4 face neighbours inside: eroded away; the rest of the square stays
    const expected = new Uint8Array(mask);
    expected[12] = 0;
    expect(Array.from(edges)).toEqual(Array.from(expected));
  });

  it('face connectivity only: a plus shape keeps its centre interior, a diagonal gap does not matter', () => {
    // . X .
    // X X X   centre's 4 face neighbours are set, so it is not an edge (corners are not looked at)
    // . X .
    const plus = [0, 1, 0, 1, 1, 1, 0, 1, 0];
    const padded = new Uint8Array(25);
    plus.forEach((v, i) => (padded[(Math.floor(i / 3) + 1) * 5 + (i % 3) + 1] = v));
    const edges = maskEdges(padded, [5, 5]);
    expect(edges[12]).toBe(0);
    expect(edges.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('3D: a 3x3x3 cube has 26 surface voxels; 1D: a run has its two ends', () => {
    const cube = new Uint8Array(125);
    for (let i = 0; i < 125; i++) {
      const [z, y, x] = coordsOf(i, [5, 5, 5]);
      if ([z, y, x].every((c) => c! >= 1 && c! <= 3)) cube[i] = 1;
    }
    const edges = maskEdges(cube, [5, 5, 5]);
    expect(edges.reduce((a, b) => a + b, 0)).toBe(26);
    expect(edges[62]).toBe(0); // centre (2, 2, 2)
    expect(Array.from(maskEdges([0, 1, 1, 1, 1, 0], [6]))).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('matches the neighbour-by-neighbour definition on random 2D and 3D masks', () => {
    const rng = createRng(3);
    for (const shape of [[7, 9], [6, 5, 7], [1, 8, 3]]) {
      for (let trial = 0; trial < 5; trial++) {
        const size = shape.reduce((a, b) => a * b, 1);
        const mask = randomMask(rng, size, rng.uniform(0.3, 0.9));
        const edges = maskEdges(mask, shape);
        const fromFast: number[][] = [];
        edges.forEach((v, i) => v && fromFast.push(coordsOf(i, shape)));
        expect(fromFast).toEqual(bruteEdges(mask, shape));
      }
    }
  });

  it('rejects a mask whose length does not match the shape', () => {
    expect(() => maskEdges([1, 1, 1], [2, 2])).toThrow(/maskEdges: mask is \[1, 1, 1\]; expected an array of 4 values/);
    expect(() => maskEdges([1, 1], [2, -1])).toThrow(/maskEdges: shape/);
  });
});
