/**
 * Training-mode batch norm over the last (channel) axis of `x` (`channels` wide):
 * `y = gamma * (x - mean_c) / sqrt(var_c + eps) + beta`, with the per-channel batch mean and
 * biased variance (two passes, float64 sums) written to `mean` and `variance`
 * (Ioffe & Szegedy 2015, Alg. 1).
 */
export function batchNormTrainingLoop(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const c = gamma.length;
  const count = x.length / c;
  const sum = new Float64Array(c);
  for (let o = 0; o < x.length; o += c) for (let i = 0; i < c; i++) sum[i]! += x[o + i]!;
  const m = sum.map((s) => s / count);
  const sq = new Float64Array(c);
  for (let o = 0; o < x.length; o += c) {
    for (let i = 0; i < c; i++) {
      const d = x[o + i]! - m[i]!;
      sq[i]! += d * d;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    mean[i] = m[i]!;
    variance[i] = sq[i]! / count;
    scale[i] = gamma[i]! / Math.sqrt(sq[i]! / count + epsilon);
    shift[i] = beta[i]! - m[i]! * scale[i]!;
  }
  for (let o = 0; o < x.length; o += c) for (let i = 0; i < c; i++) y[o + i] = x[o + i]! * scale[i]! + shift[i]!;
}

/**
 * Gradient of {@link batchNormTrainingLoop} for an upstream `dy` (Ioffe & Szegedy 2015, Sec. 3):
 * `dbeta = sum(dy)`, `dgamma = sum(dy * xhat)`,
 * `dx = gamma * rstd * (dy - dbeta / M - xhat * dgamma / M)` with `xhat = (x - mean) * rstd`,
 * `rstd = 1 / sqrt(var + eps)`, sums per channel over the `M` positions. Two passes.
 */
export function batchNormTrainingGradLoop(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const c = gamma.length;
  const count = x.length / c;
  const rstd = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const sumDy = new Float64Array(c);
  const sumDyXhat = new Float64Array(c);
  for (let o = 0; o < x.length; o += c) {
    for (let i = 0; i < c; i++) {
      const g = dy[o + i]!;
      sumDy[i]! += g;
      sumDyXhat[i]! += g * (x[o + i]! - mean[i]!) * rstd[i]!;
    }
  }
  // dx = k * dy + a * x + b per channel, with k = gamma*rstd, a = -k*rstd*sumDyXhat/M,
  // b = -k*sumDy/M - a*mean.
  const k = new Float64Array(c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    dBeta[i] = sumDy[i]!;
    dGamma[i] = sumDyXhat[i]!;
    k[i] = gamma[i]! * rstd[i]!;
    a[i] = (-k[i]! * rstd[i]! * sumDyXhat[i]!) / count;
    b[i] = (-k[i]! * sumDy[i]!) / count - a[i]! * mean[i]!;
  }
  for (let o = 0; o < x.length; o += c) for (let i = 0; i < c; i++) dx[o + i] = k[i]! * dy[o + i]! + a[i]! * x[o + i]! + b[i]!;
}
