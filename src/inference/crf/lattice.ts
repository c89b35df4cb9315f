/**
 * The permutohedral lattice (Adams, Baek and Davis, "Fast High-Dimensional Filtering Using the
 * Permutohedral Lattice", Eurographics 2010): Gaussian filtering of values attached to points in
 * a d-dimensional feature space in O(N d^2) instead of O(N^2). Each point is embedded in the
 * hyperplane of Z^(d+1) orthogonal to (1, ..., 1), splatted onto the d + 1 vertices of its
 * enclosing simplex with barycentric weights, blurred with [1/2, 1, 1/2] along each of the
 * d + 1 lattice directions, and sliced back. The scale sqrt(2/3) (d + 1) on the elevated
 * coordinates makes the blur approximate exp(-|f_i - f_j|^2 / 2) (the paper's p. 6; densecrf's
 * `Permutohedral`). Plain typed-array code: the hashing and gathering do not map onto tensor ops.
 */

/** A lattice built once for a set of feature points; filters any number of value channels. */
export interface PermutohedralLattice {
  /** Number of feature points N. */
  readonly points: number;
  /** Feature dimension d. */
  readonly dims: number;
  /** Number of lattice vertices M the points splat onto. */
  readonly vertices: number;
  /**
   * Approximate `out_i = sum_j exp(-|f_i - f_j|^2 / 2) v_j` (the self term `j = i` included) for
   * `values` laid out point-major `[N, channels]`. Returns a new `[N, channels]` array.
   */
  filter(values: Float64Array, channels: number): Float64Array;
}

/** Open-addressing hash from d-integer keys to dense vertex ids, growing as it fills. */
class KeyTable {
  private keys: Int32Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(
    private readonly keySize: number,
    expected: number,
  ) {
    let capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.keys = new Int32Array((capacity / 2) * keySize);
  }

  private hash(key: Int32Array, at: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.keySize; i++) h = Math.imul(h ^ key[at + i]!, 0x01000193);
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** The id of `key[at .. at + keySize)`, inserting it when `create`; -1 when absent. */
  find(key: Int32Array, at: number, create: boolean): number {
    const d = this.keySize;
    for (let h = this.hash(key, at); ; h = (h + 1) & this.mask) {
      const id = this.slots[h]!;
      if (id === -1) {
        if (!create) return -1;
        if (2 * (this.size + 1) > this.slots.length) {
          this.grow();
          return this.find(key, at, true);
        }
        this.keys.set(key.subarray(at, at + d), this.size * d);
        this.slots[h] = this.size;
        return this.size++;
      }
      let same = true;
      for (let i = 0; i < d && same; i++) same = this.keys[id * d + i] === key[at + i];
      if (same) return id;
    }
  }

  /** The stored key of vertex `id`. */
  key(id: number): Int32Array {
    return this.keys.subarray(id * this.keySize, (id + 1) * this.keySize);
  }

  private grow(): void {
    const capacity = this.slots.length * 2;
    const keys = new Int32Array((capacity / 2) * this.keySize);
    keys.set(this.keys);
    this.keys = keys;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let id = 0; id < this.size; id++) {
      let h = this.hash(this.keys, id * this.keySize);
      while (this.slots[h] !== -1) h = (h + 1) & this.mask;
      this.slots[h] = id;
    }
  }
}

/**
 * Builds the lattice for `n` points whose features are `features[i * d + k]` (already divided by
 * their standard deviations, so the kernel is `exp(-|f_i - f_j|^2 / 2)`).
 *
 * @example
 * ```ts
 * const lattice = buildLattice(Float64Array.from([0, 0, 1, 0]), 2, 2);
 * const smoothed = lattice.filter(Float64Array.from([1, 0]), 1);
 * ```
 */
export function buildLattice(features: Float64Array, n: number, d: number): PermutohedralLattice {
  const d1 = d + 1;
  // Diagonal of the embedding E (Adams et al. p. 5) times the inverse standard deviation of the
  // lattice blur (p. 6).
  const invStd = Math.sqrt(2 / 3) * d1;
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = invStd / Math.sqrt((i + 1) * (i + 2));

  // Vertex ids shifted by one per (point, simplex vertex): slot 0 is the always-zero absent vertex.
  const slots = new Int32Array(n * d1);
  const weights = new Float64Array(n * d1);
  const table = new KeyTable(d, n);
  const elevated = new Float64Array(d1);
  const rem0 = new Int32Array(d1);
  const rank = new Int32Array(d1);
  const bary = new Float64Array(d + 2);
  const key = new Int32Array(d);

  for (let p = 0; p < n; p++) {
    // Elevate onto the hyperplane sum(x) = 0 of Z^(d+1).
    let sum = 0;
    for (let j = d; j > 0; j--) {
      const cf = features[p * d + j - 1]! * scale[j - 1]!;
      elevated[j] = sum - j * cf;
      sum += cf;
    }
    elevated[0] = sum;
    // Nearest remainder-0 lattice point: round each coordinate to a multiple of d + 1.
    let excess = 0;
    for (let i = 0; i <= d; i++) {
      const v = elevated[i]! / d1;
      const up = Math.ceil(v) * d1;
      const down = Math.floor(v) * d1;
      rem0[i] = up - elevated[i]! < elevated[i]! - down ? up : down;
      excess += rem0[i]! / d1;
    }
    // Rank the residuals (the simplex is given by their order), ties to the lower index.
    rank.fill(0);
    for (let i = 0; i < d; i++) {
      const di = elevated[i]! - rem0[i]!;
      for (let j = i + 1; j <= d; j++) {
        if (di < elevated[j]! - rem0[j]!) rank[i]!++;
        else rank[j]!++;
      }
    }
    // Bring the rounded point back onto the hyperplane when the rounding left it off.
    for (let i = 0; i <= d; i++) {
      rank[i]! += excess;
      if (rank[i]! < 0) {
        rank[i]! += d1;
        rem0[i]! += d1;
      } else if (rank[i]! > d) {
        rank[i]! -= d1;
        rem0[i]! -= d1;
      }
    }
    // Barycentric coordinates in the simplex (p. 10).
    bary.fill(0);
    for (let i = 0; i <= d; i++) {
      const v = (elevated[i]! - rem0[i]!) / d1;
      bary[d - rank[i]!]! += v;
      bary[d - rank[i]! + 1]! -= v;
    }
    bary[0]! += 1 + bary[d + 1]!;
    // Vertex r of the simplex is rem0 plus the canonical vertex r permuted by rank; the last
    // coordinate is implied by the zero sum, so keys hold d of the d + 1.
    for (let r = 0; r <= d; r++) {
      for (let i = 0; i < d; i++) key[i] = rem0[i]! + (rank[i]! <= d - r ? r : r - d1);
      slots[p * d1 + r] = table.find(key, 0, true) + 1;
      weights[p * d1 + r] = bary[r]!;
    }
  }

  const m = table.size;
  // Neighbours along direction j: +-1 on every coordinate, -+d on coordinate j. Stored shifted by
  // one so that 0 is an always-zero slot for absent vertices.
  const neighbours = new Int32Array(2 * d1 * m);
  const probe = new Int32Array(2 * d);
  for (let j = 0; j <= d; j++) {
    for (let v = 0; v < m; v++) {
      const k = table.key(v);
      for (let i = 0; i < d; i++) {
        probe[i] = k[i]! - 1;
        probe[d + i] = k[i]! + 1;
      }
      if (j < d) {
        probe[j] = k[j]! + d;
        probe[d + j] = k[j]! - d;
      }
      neighbours[2 * (j * m + v)] = table.find(probe, 0, false) + 1;
      neighbours[2 * (j * m + v) + 1] = table.find(probe, d, false) + 1;
    }
  }
  // densecrf's slice scale (1 + 2^-d)^-1 so the blur's mass matches the Gaussian's.
  const alpha = 1 / (1 + 2 ** -d);

  return {
    points: n,
    dims: d,
    vertices: m,
    filter(values, channels) {
      const c = channels;
      let grid = new Float64Array((m + 1) * c);
      let next = new Float64Array((m + 1) * c);
      for (let p = 0, e = 0; p < n; p++) {
        const from = p * c;
        for (let r = 0; r <= d; r++, e++) {
          const at = slots[e]! * c;
          const w = weights[e]!;
          for (let k = 0; k < c; k++) grid[at + k]! += w * values[from + k]!;
        }
      }
      for (let j = 0, e = 0; j <= d; j++) {
        for (let v = 1; v <= m; v++, e += 2) {
          const at = v * c;
          const a = neighbours[e]! * c;
          const b = neighbours[e + 1]! * c;
          for (let k = 0; k < c; k++) next[at + k] = grid[at + k]! + 0.5 * (grid[a + k]! + grid[b + k]!);
        }
        [grid, next] = [next, grid];
      }
      const out = new Float64Array(n * c);
      for (let p = 0, e = 0; p < n; p++) {
        const to = p * c;
        for (let r = 0; r <= d; r++, e++) {
          const at = slots[e]! * c;
          const w = weights[e]! * alpha;
          for (let k = 0; k < c; k++) out[to + k]! += w * grid[at + k]!;
        }
      }
      return out;
    },
  };
}
