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

/** Gathers `x` [N, D, H, W, Ci] into `g` [N*OD, H, W, KD*Ci] (see {@link DepthFold}). */
export function depthFold(x: Float32Array, f: DepthFold, g: Float32Array): void {
  const { batch, inDepth, outDepth, planeSize, inChannels: Ci, filterDepth: KD } = f;
  const pixels = planeSize / Ci;
  const gPixel = KD * Ci;
  for (let n = 0; n < batch; n++) {
    for (let od = 0; od < outDepth; od++) {
      const gBase = (n * outDepth + od) * pixels * gPixel;
      for (let kd = 0; kd < KD; kd++) {
        const d = od * f.strideDepth + kd * f.dilationDepth - f.padFront;
        let go = gBase + kd * Ci;
        if (d < 0 || d >= inDepth) {
          for (let p = 0; p < pixels; p++, go += gPixel) for (let c = 0; c < Ci; c++) g[go + c] = 0;
          continue;
        }
        let xo = (n * inDepth + d) * planeSize;
        if (KD === 1) {
          g.set(x.subarray(xo, xo + planeSize), gBase);
          continue;
        }
        for (let p = 0; p < pixels; p++, go += gPixel, xo += Ci) for (let c = 0; c < Ci; c++) g[go + c] = x[xo + c]!;
      }
    }
  }
}

/** The adjoint of {@link depthFold}: adds `g` [N*OD, H, W, KD*Ci] into `dx` [N, D, H, W, Ci]. */
export function depthUnfoldAdd(g: Float32Array, f: DepthFold, dx: Float32Array): void {
  const { batch, inDepth, outDepth, planeSize, inChannels: Ci, filterDepth: KD } = f;
  const pixels = planeSize / Ci;
  const gPixel = KD * Ci;
  for (let n = 0; n < batch; n++) {
    for (let od = 0; od < outDepth; od++) {
      const gBase = (n * outDepth + od) * pixels * gPixel;
      for (let kd = 0; kd < KD; kd++) {
        const d = od * f.strideDepth + kd * f.dilationDepth - f.padFront;
        if (d < 0 || d >= inDepth) continue;
        let go = gBase + kd * Ci;
        let xo = (n * inDepth + d) * planeSize;
        for (let p = 0; p < pixels; p++, go += gPixel, xo += Ci) for (let c = 0; c < Ci; c++) dx[xo + c]! += g[go + c]!;
      }
    }
  }
}

/** Filter [KD, KH, KW, Ci, Co] -> [KH, KW, KD*Ci, Co] (depth taps stacked along input channels). */
export function foldFilter(w: Float32Array, shape: number[], out: Float32Array): void {
  const [KD, KH, KW, Ci, Co] = shape as [number, number, number, number, number];
  const block = Ci * Co;
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const src = ((kd * KH + kh) * KW + kw) * block;
        const dst = ((kh * KW + kw) * KD + kd) * block;
        out.set(w.subarray(src, src + block), dst);
      }
    }
  }
}

/** The inverse of {@link foldFilter}: [KH, KW, KD*Ci, Co] -> [KD, KH, KW, Ci, Co]. */
export function unfoldFilter(w: Float32Array, shape: number[], out: Float32Array): void {
  const [KD, KH, KW, Ci, Co] = shape as [number, number, number, number, number];
  const block = Ci * Co;
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const dst = ((kd * KH + kh) * KW + kw) * block;
        const src = ((kh * KW + kw) * KD + kd) * block;
        out.set(w.subarray(src, src + block), dst);
      }
    }
  }
}
