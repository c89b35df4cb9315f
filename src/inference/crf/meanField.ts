import type { PermutohedralLattice } from './lattice.js';

/** One pairwise term of the dense CRF: a Gaussian kernel (its lattice) and a Potts weight. */
export interface PairwiseTerm {
  lattice: PermutohedralLattice;
  /** Potts compatibility weight w: the energy of two differently labelled points is w k(f_i, f_j). */
  weight: number;
}

/** `q[i, :] = softmax(energy[i, :])` in place, per point, shifted by the maximum for stability. */
function softmaxRows(energy: Float64Array, q: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let l = 0; l < k; l++) max = Math.max(max, energy[i * k + l]!);
    let sum = 0;
    for (let l = 0; l < k; l++) sum += q[i * k + l] = Math.exp(energy[i * k + l]! - max);
    for (let l = 0; l < k; l++) q[i * k + l]! /= sum;
  }
}

/**
 * Mean-field inference of the fully connected CRF (Krähenbühl and Koltun 2011, algorithm 1, as
 * densecrf's `DenseCRF::inference`): `Q = softmax(-U)`, then `iterations` times
 * `Q = softmax(-U + sum_m w_m D_m^-1/2 K_m D_m^-1/2 Q)` with `D_m = K_m 1` (densecrf's
 * `NORMALIZE_SYMMETRIC`) and the Potts compatibility, the self term included as densecrf does.
 *
 * @param unary - `U[i * k + l] = -log P(label l at point i)`, `[N, K]` point-major.
 * @returns the marginals `Q`, `[N, K]` point-major.
 * @example `meanField(Float64Array.from([0.1, 2.3, 2.3, 0.1]), 2, 2, [], 5)` is the softmax of `-unary` per point (no pairwise term).
 */
export function meanField(unary: Float64Array, n: number, k: number, terms: readonly PairwiseTerm[], iterations: number): Float64Array {
  const q = new Float64Array(n * k);
  const energy = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) energy[i] = -unary[i]!;
  softmaxRows(energy, q, n, k);
  // The symmetric normalisation 1 / sqrt(K 1), once per kernel.
  const norms = terms.map(({ lattice }) => lattice.filter(new Float64Array(n).fill(1), 1).map((s) => 1 / Math.sqrt(s + 1e-20)));
  const scaled = new Float64Array(n * k);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n * k; i++) energy[i] = -unary[i]!;
    terms.forEach(({ lattice, weight }, t) => {
      const norm = norms[t]!;
      for (let i = 0; i < n; i++) for (let l = 0; l < k; l++) scaled[i * k + l] = q[i * k + l]! * norm[i]!;
      const message = lattice.filter(scaled, k);
      for (let i = 0; i < n; i++) {
        const w = weight * norm[i]!;
        for (let l = 0; l < k; l++) energy[i * k + l]! += w * message[i * k + l]!;
      }
    });
    softmaxRows(energy, q, n, k);
  }
  return q;
}
