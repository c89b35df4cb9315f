// O(N^2) reference implementations the fast code is checked against: every voxel against every
// site, edges by looking at each face neighbour, percentiles by sorting.
import type { Rng } from '../../src/core/rng.js';

export type Metric = 'euclidean' | 'taxicab' | 'chessboard';

export function coordsOf(index: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    c[a] = index % shape[a]!;
    index = Math.floor(index / shape[a]!);
  }
  return c;
}

export function pointDistance(a: readonly number[], b: readonly number[], spacing: readonly number[], metric: Metric): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) {
    const v = Math.abs(a[k]! - b[k]!) * spacing[k]!;
    if (metric === 'euclidean') d += v * v;
    else if (metric === 'taxicab') d += v;
    else d = Math.max(d, v);
  }
  return metric === 'euclidean' ? Math.sqrt(d) : d;
}

/** Distance from every voxel to the nearest nonzero voxel, by trying them all. */
export function bruteDistanceTransform(mask: ArrayLike<number>, shape: readonly number[], spacing: readonly number[], metric: Metric): Float64Array {
  const sites: number[][] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) sites.push(coordsOf(i, shape));
  const out = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const c = coordsOf(i, shape);
    let best = Infinity;
    for (const s of sites) best = Math.min(best, pointDistance(c, s, spacing, metric));
    out[i] = best;
  }
  return out;
}

/** Foreground voxels with a face neighbour that is background or outside the grid. */
export function bruteEdges(mask: ArrayLike<number>, shape: readonly number[]): number[][] {
  const edges: number[][] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const c = coordsOf(i, shape);
    let edge = false;
    for (let a = 0; a < shape.length && !edge; a++) {
      for (const step of [-1, 1]) {
        const n = [...c];
        n[a]! += step;
        if (n[a]! < 0 || n[a]! >= shape[a]!) edge = true;
        else {
          let j = 0;
          for (let k = 0; k < shape.length; k++) j = j * shape[k]! + n[k]!;
          if (!mask[j]) edge = true;
        }
      }
    }
    if (edge) edges.push(c);
  }
  return edges;
}

/** numpy.percentile with linear interpolation; max when p is undefined. */
export function brutePercentile(values: number[], p: number | undefined): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (p === undefined) return sorted[sorted.length - 1]!;
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Directed surface distances: each edge voxel of `from` to its nearest edge voxel of `to`. */
export function bruteSurfaceDistances(from: number[][], to: number[][], spacing: readonly number[], metric: Metric): number[] {
  return from.map((a) => Math.min(...to.map((b) => pointDistance(a, b, spacing, metric))));
}

/** MONAI's Hausdorff distance of one pair of non-empty masks, brute force. */
export function bruteHausdorff(
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  metric: Metric,
  percentile: number | undefined,
): number {
  const ep = bruteEdges(pred, shape);
  const et = bruteEdges(target, shape);
  return Math.max(
    brutePercentile(bruteSurfaceDistances(ep, et, spacing, metric), percentile),
    brutePercentile(bruteSurfaceDistances(et, ep, spacing, metric), percentile),
  );
}

/** A random mask with foreground probability `p`, at least one voxel set. */
export function randomMask(rng: Rng, size: number, p: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = rng.next() < p ? 1 : 0;
  m[rng.integer(0, size)] = 1;
  return m;
}
