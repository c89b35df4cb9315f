/**
 * The depth axis of a 3D convolution folded into channels, so the convolution runs as one 2D
 * convolution: `G[n*OD + od, h, w, kd*Ci + ci] = x[n, od*sd + kd*dd - front, h, w, ci]` (zero
 * outside the volume). A 3D conv of x with f equals a 2D conv of G with f's taps stacked along
 * channels, and its input gradient is the adjoint of this gather ({@link depthUnfoldAdd}).
 */
export interface DepthFold {
  batch: number;
  inDepth: number;
  outDepth: number;
  /** Elements of one depth slice: H * W * Ci. */
  planeSize: number;
  inChannels: number;
  filterDepth: number;
  strideDepth: number;
  dilationDepth: number;
  padFront: number;
}

/**
 * Gathers `x` [N, D, H, W, Ci] into `g` [N*OD, H, W, KD*Ci] (see {@link DepthFold}); with
 * `rows`, only the rows `[start, start + count)` of G, into `g` [count, H, W, KD*Ci].
 */
export function depthFold(x: Float32Array, f: DepthFold, g: Float32Array, rows?: { start: number; count: number }): void {
  depthFoldSweep(x, f, g, false, rows?.start ?? 0, rows?.count ?? f.batch * f.outDepth);
}

/** The adjoint of {@link depthFold}: adds `g` [N*OD, H, W, KD*Ci] into `dx` [N, D, H, W, Ci]. */
export function depthUnfoldAdd(g: Float32Array, f: DepthFold, dx: Float32Array): void {
  depthFoldSweep(dx, f, g, true, 0, f.batch * f.outDepth);
}

/**
 * The (od, kd) sweep of {@link depthFold} (`g = gather(x)`, zeros outside the volume) and, when
 * `adjoint`, of {@link depthUnfoldAdd} (`x += scatter(g)`, out-of-volume taps skipped).
 */
function depthFoldSweep(x: Float32Array, f: DepthFold, g: Float32Array, adjoint: boolean, rowStart: number, rowCount: number): void {
  const { inDepth, outDepth, planeSize, inChannels: Ci, filterDepth: KD } = f;
  const pixels = planeSize / Ci;
  const gPixel = KD * Ci;
  for (let row = rowStart; row < rowStart + rowCount; row++) {
    const n = Math.floor(row / outDepth);
    const od = row - n * outDepth;
    {
      const gBase = (row - rowStart) * pixels * gPixel;
      for (let kd = 0; kd < KD; kd++) {
        const d = od * f.strideDepth + kd * f.dilationDepth - f.padFront;
        let go = gBase + kd * Ci;
        if (d < 0 || d >= inDepth) {
          if (!adjoint) for (let p = 0; p < pixels; p++, go += gPixel) for (let c = 0; c < Ci; c++) g[go + c] = 0;
          continue;
        }
        let xo = (n * inDepth + d) * planeSize;
        if (adjoint) {
          for (let p = 0; p < pixels; p++, go += gPixel, xo += Ci) for (let c = 0; c < Ci; c++) x[xo + c]! += g[go + c]!;
        } else if (KD === 1) {
          g.set(x.subarray(xo, xo + planeSize), gBase);
        } else {
          for (let p = 0; p < pixels; p++, go += gPixel, xo += Ci) for (let c = 0; c < Ci; c++) g[go + c] = x[xo + c]!;
        }
      }
    }
  }
}

/** Filter [KD, KH, KW, Ci, Co] -> [KH, KW, KD*Ci, Co] (depth taps stacked along input channels). */
export function foldFilter(w: Float32Array, shape: number[], out: Float32Array): void {
  moveFilterTaps(w, shape, out, false);
}

/** The inverse of {@link foldFilter}: [KH, KW, KD*Ci, Co] -> [KD, KH, KW, Ci, Co]. */
export function unfoldFilter(w: Float32Array, shape: number[], out: Float32Array): void {
  moveFilterTaps(w, shape, out, true);
}

// Copies each [Ci, Co] tap block between the 3D layout [KD, KH, KW] and the folded [KH, KW, KD]
// (3D -> folded, or back when `unfold`); `shape` is the 3D filter's.
function moveFilterTaps(w: Float32Array, shape: number[], out: Float32Array, unfold: boolean): void {
  const [KD, KH, KW, Ci, Co] = shape as [number, number, number, number, number];
  const block = Ci * Co;
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const spatial = ((kd * KH + kh) * KW + kw) * block;
        const folded = ((kh * KW + kw) * KD + kd) * block;
        const src = unfold ? folded : spatial;
        const dst = unfold ? spatial : folded;
        out.set(w.subarray(src, src + block), dst);
      }
    }
  }
}
