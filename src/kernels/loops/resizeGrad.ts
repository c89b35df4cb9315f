/** Shapes and mode of a 2D resize gradient: images [N, H, W, C] resized to [N, OH, OW, C]. */
export interface ResizeGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  alignCorners: boolean;
}

// tfjs' (and TensorFlow's legacy, no half-pixel) source-coordinate scale of one axis.
function scale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/**
 * Gradient of nearest-neighbour resizing: every output pixel's gradient is added to the input
 * pixel it was copied from (`min(size - 1, floor(o * scale))`, or `round` with alignCorners), the
 * source rule of tfjs' forward kernel. Replaces tfjs 4.22's cpu kernel, which reads `dy` with the
 * image's batch stride and so is wrong for batches above 1.
 */
export function resizeNearestGradLoop(dy: Float32Array, g: ResizeGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, alignCorners } = g;
  const hs = scale(H, OH, alignCorners);
  const ws = scale(W, OW, alignCorners);
  const pick = (v: number, size: number) => Math.min(size - 1, alignCorners ? Math.round(v) : Math.floor(v));
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < OH; r++) {
      const row = (n * H + pick(r * hs, H)) * W;
      for (let c = 0; c < OW; c++) {
        const xo = (row + pick(c * ws, W)) * C;
        for (let d = 0; d < C; d++) dx[xo + d]! += dy[o++]!;
      }
    }
  }
}

/**
 * Gradient of bilinear resizing (TensorFlow's `ResizeBilinearGrad` without half-pixel
 * centres): each output pixel's gradient is split over its four source pixels with the
 * interpolation weights. Same arithmetic as tfjs' cpu kernel, which however labels its output
 * `[N, W, H, C]` (wrong for non-square images).
 */
export function resizeBilinearGradLoop(dy: Float32Array, g: ResizeGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, alignCorners } = g;
  const hs = scale(H, OH, alignCorners);
  const ws = scale(W, OW, alignCorners);
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < OH; r++) {
      const fr = r * hs;
      const top = Math.floor(fr);
      const bottom = Math.min(Math.ceil(fr), H - 1);
      const dr = fr - top;
      for (let c = 0; c < OW; c++) {
        const fc = c * ws;
        const left = Math.floor(fc);
        const right = Math.min(Math.ceil(fc), W - 1);
        const dc = fc - left;
        const tl = ((n * H + top) * W + left) * C;
        const tr = ((n * H + top) * W + right) * C;
        const bl = ((n * H + bottom) * W + left) * C;
        const br = ((n * H + bottom) * W + right) * C;
        const wtl = (1 - dr) * (1 - dc);
        const wtr = (1 - dr) * dc;
        const wbl = dr * (1 - dc);
        const wbr = dr * dc;
        for (let d = 0; d < C; d++) {
          const v = dy[o++]!;
          dx[tl + d]! += v * wtl;
          dx[tr + d]! += v * wtr;
          dx[bl + d]! += v * wbl;
          dx[br + d]! += v * wbr;
        }
      }
    }
  }
}
