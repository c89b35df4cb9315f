import { assertNumberArray, fail } from '../core/assert.js';

/**
 * Length (2D) or area (3D) of the boundary piece inside each `2 x 2` (`2 x 2 x 2`) neighbourhood
 * of voxel centres, indexed by the neighbourhood's code, with voxel `spacing` applied: MONAI's
 * `get_code_to_measure_table` (`monai/metrics/utils.py`), after DeepMind's `surface-distance`
 * (Nikolov et al. 2021, "Clinically applicable segmentation of head and neck anatomy for
 * radiotherapy").
 *
 * The code of a neighbourhood sets one bit per corner, MONAI's encoding kernel: corner
 * `(a, b)` is bit `1 << (3 - (2a + b))`, corner `(a, b, c)` is bit `1 << (7 - (4a + 2b + c))`
 * (the first spatial axis is the most significant).
 *
 * The boundary is marching squares / marching cubes through the midpoints of the cut edges:
 * - 2D: segments; a square with two diagonal inside corners gets two segments, one around each.
 *   So one corner (or three) measures `|spacing| / 2`, an edge-aligned half `spacing[axis]`, the
 *   diagonal pair `|spacing|` (MONAI's contour-length table, derived rather than listed).
 * - 3D: a cube with more than 4 inside corners measures as its complement; the polygon loops
 *   through the cut-edge midpoints separate the inside corners on every face with two diagonal
 *   ones; each loop is triangulated with the triangulation of largest (unit-spacing) area, and
 *   each triangle's area is scaled by the spacing (`n' = (s1 s2 n0, s0 s2 n1, s0 s1 n2)` for the
 *   area vector `n`). These rules reproduce DeepMind's 256-entry table of triangle normals entry
 *   by entry for any spacing (checked against it while writing this; the table itself is not
 *   copied).
 *
 * @param spacing - Voxel size, 2 or 3 positive numbers.
 * @returns 16 (2D) or 256 (3D) measures; the codes 0 and `all ones` measure 0.
 * @example
 * ```ts
 * neighbourCodeMeasures([1, 1])[0b0101]; // 1: a boundary along axis 0
 * neighbourCodeMeasures([1, 1, 1])[0b00001111]; // 1: a face perpendicular to axis 0
 * ```
 */
export function neighbourCodeMeasures(spacing: readonly number[]): Float64Array {
  const fn = 'neighbourCodeMeasures';
  if (!Array.isArray(spacing) || (spacing.length !== 2 && spacing.length !== 3)) {
    fail(fn, 'spacing', spacing, 'an array of 2 or 3 positive numbers (one per spatial axis)');
  }
  assertNumberArray(fn, 'spacing', spacing, { min: 0, minExclusive: true });
  return neighbourCodeMeasuresUnchecked(spacing);
}

/** {@link neighbourCodeMeasures} without validation (rank 2 or 3, positive spacing). */
export function neighbourCodeMeasuresUnchecked(spacing: readonly number[]): Float64Array {
  if (spacing.length === 2) {
    const [s0, s1] = spacing as [number, number];
    return Float64Array.from(segmentVectors(), (vectors) => vectors.reduce((sum, [d0, d1]) => sum + Math.hypot(d0 * s0, d1 * s1), 0));
  }
  const [s0, s1, s2] = spacing as [number, number, number];
  const c0 = s1 * s2;
  const c1 = s0 * s2;
  const c2 = s0 * s1;
  return Float64Array.from(triangleNormals(), (normals) =>
    normals.reduce((sum, [n0, n1, n2]) => sum + Math.hypot(n0 * c0, n1 * c1, n2 * c2), 0),
  );
}

type Point = readonly number[];
type Vector2 = readonly [number, number];
type Vector3 = readonly [number, number, number];
type Edge = readonly [number, number];

/** Corner `k` of the unit square / cube: its coordinates are the bits of `k`, first axis most significant. */
function cornerPoint(k: number, rank: number): number[] {
  return Array.from({ length: rank }, (_, a) => (k >> (rank - 1 - a)) & 1);
}

/** Whether corner `k` is inside for `code` (MONAI's kernel: corner `k` is bit `corners - 1 - k`). */
function isInside(code: number, k: number, corners: number): boolean {
  return ((code >> (corners - 1 - k)) & 1) === 1;
}

const topologies = new Map<number, { edges: Edge[]; faces: number[][] }>();

/** Edges of the unit square / cube as corner pairs, and for each face the edges lying in it. */
function cellTopology(rank: number): { edges: Edge[]; faces: number[][] } {
  const known = topologies.get(rank);
  if (known !== undefined) return known;
  const corners = 1 << rank;
  const edges: Edge[] = [];
  for (let p = 0; p < corners; p++) {
    for (let a = 0; a < rank; a++) {
      const q = p | (1 << a);
      if (q !== p) edges.push([p, q]);
    }
  }
  const faces: number[][] = [];
  if (rank === 2) faces.push(edges.map((_, i) => i));
  else {
    for (let a = 0; a < rank; a++) {
      for (const side of [0, 1]) {
        const bit = 1 << (rank - 1 - a);
        faces.push(edges.flatMap(([p, q], i) => ((p & bit) !== 0) === (side === 1) && ((q & bit) !== 0) === (side === 1) ? [i] : []));
      }
    }
  }
  topologies.set(rank, { edges, faces });
  return { edges, faces };
}

/**
 * Pairs the cut edges of every face (two: joined; four, the ambiguous diagonal face: each pair
 * shares an inside corner) and returns the adjacency of the cut edges.
 */
function cutEdgeAdjacency(code: number, rank: number): { cut: number[]; next: Map<number, number[]> } {
  const corners = 1 << rank;
  const { edges, faces } = cellTopology(rank);
  const inside = (k: number): boolean => isInside(code, k, corners);
  const cut = edges.flatMap(([p, q], i) => (inside(p) !== inside(q) ? [i] : []));
  const next = new Map<number, number[]>(cut.map((i) => [i, []]));
  const link = (i: number, j: number): void => {
    next.get(i)!.push(j);
    next.get(j)!.push(i);
  };
  for (const face of faces) {
    const faceCut = face.filter((i) => next.has(i));
    if (faceCut.length === 2) link(faceCut[0]!, faceCut[1]!);
    else if (faceCut.length === 4) {
      const paired = new Set<number>();
      for (const i of faceCut) {
        for (const j of faceCut) {
          if (i >= j || paired.has(i) || paired.has(j)) continue;
          const shared = edges[i]!.filter((k) => edges[j]!.includes(k));
          if (shared.length === 1 && inside(shared[0]!)) {
            link(i, j);
            paired.add(i).add(j);
          }
        }
      }
    }
  }
  return { cut, next };
}

function midpoint(edge: Edge, rank: number): number[] {
  const p = cornerPoint(edge[0], rank);
  const q = cornerPoint(edge[1], rank);
  return p.map((v, a) => (v + q[a]!) / 2);
}

let segmentsCache: (readonly Vector2[])[] | undefined;

/** 2D: for every code, the direction vectors of its boundary segments (computed once). */
function segmentVectors(): readonly (readonly Vector2[])[] {
  segmentsCache ??= Array.from({ length: 16 }, (_, code) => {
    const { edges } = cellTopology(2);
    const { cut, next } = cutEdgeAdjacency(code, 2);
    const vectors: Vector2[] = [];
    for (const i of cut) {
      for (const j of next.get(i)!) {
        if (j < i) continue;
        const p = midpoint(edges[i]!, 2);
        const q = midpoint(edges[j]!, 2);
        vectors.push([q[0]! - p[0]!, q[1]! - p[1]!]);
      }
    }
    return vectors;
  });
  return segmentsCache;
}

let normalsCache: (readonly Vector3[])[] | undefined;

/** 3D: for every code, the unit-spacing area vectors of its triangles (computed once). */
function triangleNormals(): readonly (readonly Vector3[])[] {
  normalsCache ??= Array.from({ length: 256 }, (_, code) => {
    const popcount = cornerCount(code);
    const { edges } = cellTopology(3);
    const { cut, next } = cutEdgeAdjacency(popcount > 4 ? 255 - code : code, 3);
    const seen = new Set<number>();
    const normals: Vector3[] = [];
    for (const start of cut) {
      if (seen.has(start)) continue;
      const loop: number[][] = [];
      let previous = -1;
      let current = start;
      while (!seen.has(current)) {
        seen.add(current);
        loop.push(midpoint(edges[current]!, 3));
        const [a, b] = next.get(current)!;
        const following = a === previous || seen.has(a!) ? b! : a!;
        previous = current;
        current = following;
      }
      normals.push(...largestTriangulation(loop));
    }
    return normals;
  });
  return normalsCache;
}

function cornerCount(code: number): number {
  let count = 0;
  for (let c = code; c !== 0; c >>= 1) count += c & 1;
  return count;
}

/** Area vector `(q - p) x (r - p) / 2` of a triangle. */
function areaVector(p: Point, q: Point, r: Point): Vector3 {
  const u = [q[0]! - p[0]!, q[1]! - p[1]!, q[2]! - p[2]!];
  const w = [r[0]! - p[0]!, r[1]! - p[1]!, r[2]! - p[2]!];
  return [(u[1]! * w[2]! - u[2]! * w[1]!) / 2, (u[2]! * w[0]! - u[0]! * w[2]!) / 2, (u[0]! * w[1]! - u[1]! * w[0]!) / 2];
}

/**
 * The triangulation of a (possibly non-planar) polygon with the largest total area, by the
 * classic interval dynamic programme over `(i, j)` diagonals; returns its triangles' area vectors.
 * A planar polygon has one area whatever the triangulation; a non-planar one (five or six
 * midpoints on a cube) takes the largest, which is the surface DeepMind's table encodes.
 */
function largestTriangulation(polygon: readonly Point[]): Vector3[] {
  const n = polygon.length;
  const best = new Map<number, { area: number; normals: Vector3[] }>();
  const solve = (i: number, j: number): { area: number; normals: Vector3[] } => {
    if (j - i < 2) return { area: 0, normals: [] };
    const key = i * n + j;
    const known = best.get(key);
    if (known !== undefined) return known;
    let result = { area: -1, normals: [] as Vector3[] };
    for (let k = i + 1; k < j; k++) {
      const left = solve(i, k);
      const right = solve(k, j);
      const normal = areaVector(polygon[i]!, polygon[k]!, polygon[j]!);
      const area = left.area + right.area + Math.hypot(...normal);
      // Strictly larger (with a margin for rounding), so ties keep the first split, deterministically.
      if (area > result.area + 1e-12) result = { area, normals: [...left.normals, ...right.normals, normal] };
    }
    best.set(key, result);
    return result;
  };
  return solve(0, n - 1).normals;
}

/** The boundary cells of a mask on the dual grid (one cell per `2^rank` neighbourhood). */
export interface SubvoxelSurface {
  /** 1 where the neighbourhood is mixed (neither all background nor all foreground). */
  readonly edges: Uint8Array;
  /** Boundary measure of every cell (0 off the boundary), from {@link neighbourCodeMeasures}. */
  readonly areas: Float64Array;
  /** The dual grid's shape: `shape[a] + 1` per axis. */
  readonly shape: number[];
}

/**
 * MONAI's `get_mask_edges(..., spacing=...)`: the mask padded by one background voxel on every
 * side, every `2 x 2 (x 2)` neighbourhood coded as a `neighbourCodeMeasures` index (MONAI's
 * valid convolution with its encoding kernel), its cells mixed or not, and their measures. Cell
 * `i` covers the voxels `i - 1` and `i` along each axis, so cell centres lie half a voxel off the
 * voxel centres and keep the voxel spacing.
 *
 * @param mask - Binary `Uint8Array`, row-major over `shape` (rank 2 or 3; not validated).
 * @param measures - The table for the spacing, from {@link neighbourCodeMeasuresUnchecked}.
 */
export function subvoxelSurfaceUnchecked(mask: Uint8Array, shape: readonly number[], measures: Float64Array): SubvoxelSurface {
  const rank = shape.length;
  const padded = shape.map((n) => n + 2);
  const cells = shape.map((n) => n + 1);
  const paddedStrides = stridesOf(padded);
  const grid = new Uint8Array(padded.reduce((a, b) => a * b, 1));
  const size = mask.length;
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    if (mask[i] !== 0) {
      let at = 0;
      for (let a = 0; a < rank; a++) at += (coord[a]! + 1) * paddedStrides[a]!;
      grid[at] = 1;
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < shape[a]!) break;
      coord[a] = 0;
    }
  }
  const corners = 1 << rank;
  // Flat offset of corner k inside the padded grid, k's bits the per-axis steps (first axis most significant).
  const offsets = Array.from({ length: corners }, (_, k) => {
    let offset = 0;
    for (let a = 0; a < rank; a++) if (((k >> (rank - 1 - a)) & 1) === 1) offset += paddedStrides[a]!;
    return offset;
  });
  const full = corners === 4 ? 15 : 255;
  const cellCount = cells.reduce((a, b) => a * b, 1);
  const edges = new Uint8Array(cellCount);
  const areas = new Float64Array(cellCount);
  const cellCoord = new Array<number>(rank).fill(0);
  for (let i = 0; i < cellCount; i++) {
    let base = 0;
    for (let a = 0; a < rank; a++) base += cellCoord[a]! * paddedStrides[a]!;
    let code = 0;
    for (let k = 0; k < corners; k++) code |= grid[base + offsets[k]!]! << (corners - 1 - k);
    if (code !== 0 && code !== full) {
      edges[i] = 1;
      areas[i] = measures[code]!;
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++cellCoord[a]! < cells[a]!) break;
      cellCoord[a] = 0;
    }
  }
  return { edges, areas, shape: cells };
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= shape[a]!;
  }
  return strides;
}
