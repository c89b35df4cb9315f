// Independent float64 references for the attention layers: plain loops over flat arrays,
// written from the papers' definitions (no reshapes, transposes or windows tensors).

/** `x [T, Din] @ w [Din, Dout] + b`, row-major flat arrays. */
export function matmulRef(x: ArrayLike<number>, t: number, din: number, w: ArrayLike<number>, dout: number, b?: ArrayLike<number>): number[] {
  const out = new Array<number>(t * dout).fill(0);
  for (let i = 0; i < t; i++) {
    for (let o = 0; o < dout; o++) {
      let s = b?.[o] ?? 0;
      for (let d = 0; d < din; d++) s += x[i * din + d]! * w[d * dout + o]!;
      out[i * dout + o] = s;
    }
  }
  return out;
}

/**
 * Attention of one sample and one head: queries `q [Tq, K]`, keys `k [Tk, K]`, values `v [Tk, V]`,
 * `extra(i, j)` added to the score (bias / mask). Returns `[Tq, V]`.
 */
export function attendRef(q: number[], k: number[], v: number[], tq: number, tk: number, kd: number, vd: number, extra: (i: number, j: number) => number = () => 0): number[] {
  const out = new Array<number>(tq * vd).fill(0);
  for (let i = 0; i < tq; i++) {
    const scores = Array.from({ length: tk }, (_, j) => {
      let s = 0;
      for (let d = 0; d < kd; d++) s += q[i * kd + d]! * k[j * kd + d]!;
      return s / Math.sqrt(kd) + extra(i, j);
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < tk; j++) for (let d = 0; d < vd; d++) out[i * vd + d]! += (e[j]! / z) * v[j * vd + d]!;
  }
  return out;
}

/** Columns `[h * size, (h + 1) * size)` of a `[T, H * size]` matrix. */
export function headSlice(x: number[], t: number, heads: number, size: number, h: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < t; i++) for (let d = 0; d < size; d++) out.push(x[i * heads * size + h * size + d]!);
  return out;
}

/** Heads `[H][T, size]` concatenated to `[T, H * size]`. */
export function concatHeads(parts: number[][], t: number, size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < t; i++) for (const p of parts) for (let d = 0; d < size; d++) out.push(p[i * size + d]!);
  return out;
}
