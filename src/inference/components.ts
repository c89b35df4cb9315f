import { fail } from '../core/assert.js';

/** Neighbourhood of connected components: 4 or 8 in 2D, 6, 18 or 26 in 3D. */
export type Connectivity = 4 | 8 | 6 | 18 | 26;

/** The connectivities valid for each spatial rank. */
export const CONNECTIVITIES: Record<2 | 3, readonly Connectivity[]> = { 2: [4, 8], 3: [6, 18, 26] };

/** Validates `connectivity` for `spatialDims`, defaulting to `full` (8 / 26) or face (4 / 6). Internal. */
export function resolveConnectivity(fn: string, value: unknown, spatialDims: 2 | 3, fullByDefault: boolean): Connectivity {
  const valid = CONNECTIVITIES[spatialDims];
  if (value === undefined) return fullByDefault ? valid[valid.length - 1]! : valid[0]!;
  if (!valid.includes(value as Connectivity)) {
    fail(fn, 'options.connectivity', value, `${valid.join(', ').replace(/, (\d+)$/, ' or $1')} for ${spatialDims}D masks`);
  }
  return value as Connectivity;
}

/** Neighbour offsets `[dz, dy, dx]` of a connectivity (2D connectivities keep dz = 0). */
function offsets(connectivity: Connectivity): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  const planar = connectivity === 4 || connectivity === 8;
  const maxManhattan = { 4: 1, 8: 2, 6: 1, 18: 2, 26: 3 }[connectivity];
  for (let dz = planar ? 0 : -1; dz <= (planar ? 0 : 1); dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const m = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (m > 0 && m <= maxManhattan) out.push([dz, dy, dx]);
      }
    }
  }
  return out;
}

/** Connected components of one volume. Internal. */
export interface ComponentLabels {
  /** 0 outside the foreground, else the component number 1..count (in scan order). */
  labels: Int32Array;
  /** `sizes[k]` is the voxel count of component k (index 0 unused). */
  sizes: number[];
  /** `touchesBorder[k]`: component k reaches the volume's edge. */
  touchesBorder: boolean[];
}

/**
 * Labels the connected components of the voxels where `inside(i)` is true in a `[D, H, W]`
 * volume (`D = 1` for an image) by breadth-first flood fill. Internal helper.
 */
export function labelComponents(
  inside: (index: number) => boolean,
  dims: readonly [number, number, number],
  connectivity: Connectivity,
): ComponentLabels {
  const [D, H, W] = dims;
  const total = D * H * W;
  const labels = new Int32Array(total);
  const sizes = [0];
  const touchesBorder = [false];
  const neighbours = offsets(connectivity);
  // A 3D connectivity means the depth faces are image borders too (even for D = 1).
  const volumetric = connectivity !== 4 && connectivity !== 8;
  const queue = new Int32Array(total);
  let count = 0;
  for (let seed = 0; seed < total; seed++) {
    if (labels[seed] !== 0 || !inside(seed)) continue;
    count += 1;
    labels[seed] = count;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    let size = 0;
    let border = false;
    while (head < tail) {
      const index = queue[head++]!;
      size += 1;
      const x = index % W;
      const y = Math.floor(index / W) % H;
      const z = Math.floor(index / (W * H));
      if (x === 0 || y === 0 || x === W - 1 || y === H - 1 || (volumetric && (z === 0 || z === D - 1))) border = true;
      for (const [dz, dy, dx] of neighbours) {
        const nz = z + dz;
        const ny = y + dy;
        const nx = x + dx;
        if (nz < 0 || ny < 0 || nx < 0 || nz >= D || ny >= H || nx >= W) continue;
        const n = (nz * H + ny) * W + nx;
        if (labels[n] !== 0 || !inside(n)) continue;
        labels[n] = count;
        queue[tail++] = n;
      }
    }
    sizes.push(size);
    touchesBorder.push(border);
  }
  return { labels, sizes, touchesBorder };
}
