import { validRange, type Conv2DGeometry } from './geometry.js';

// Pixels per cache tile: the x and dy rows of one tile (about 64 KiB each) stay in L2 while
// every filter tap and channel block sweeps them.
const TILE_FLOATS = 16384;

/**
 * Filter gradient of a channels-last 2D convolution:
 * `dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw, ci] * dy[n, oh, ow, co]`.
 *
 * A blocked direct loop (the GEMM `im2col(x)^T dy` without materializing im2col): rows of
 * output pixels are tiled so they stay in cache, and each (4 input x 4 output channel) block
 * of one filter tap accumulates in 16 locals over a tile, so the inner loop does 16
 * multiply-adds per 8 loads. tfjs' cpu kernel instead walks all pixels once per filter
 * element through `TensorBuffer.get` (about 100x slower).
 */
export function conv2dBackpropFilterLoop(x: Float32Array, dy: Float32Array, g: Conv2DGeometry, dW: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = g;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = g;
  dW.fill(0);
  const tileRows = Math.max(1, Math.floor(TILE_FLOATS / Math.max(1, OW * Math.max(Ci, Co))));
  for (let n = 0; n < batch; n++) {
    for (let oh0 = 0; oh0 < OH; oh0 += tileRows) {
      const oh1 = Math.min(OH, oh0 + tileRows);
      for (let kh = 0; kh < KH; kh++) {
        const [rLo, rHi] = validRange(kh, sh, g.padTop, dh, H, OH);
        const ohLo = Math.max(oh0, rLo);
        const ohHi = Math.min(oh1, rHi);
        if (ohLo >= ohHi) continue;
        for (let kw = 0; kw < KW; kw++) {
          const [owLo, owHi] = validRange(kw, sw, g.padLeft, dw, W, OW);
          if (owLo >= owHi) continue;
          const wBase = (kh * KW + kw) * Ci * Co;
          const colShift = kw * dw - g.padLeft;
          for (let ci = 0; ci < Ci; ci += 4) {
            const bi = Math.min(4, Ci - ci);
            for (let co = 0; co < Co; co += 4) {
              const bo = Math.min(4, Co - co);
              accumulateBlock(x, dy, dW, n, ohLo, ohHi, owLo, owHi, kh, colShift, ci, co, bi, bo, wBase, g);
            }
          }
        }
      }
    }
  }
}

// Adds one (bi input x bo output channel) block of one filter tap, summed over the output
// pixels [ohLo, ohHi) x [owLo, owHi) of sample n, into dW. Full 4x4 blocks accumulate in 16
// locals; edge blocks (channel counts not divisible by 4, e.g. a 1-channel input) take the same
// sums without unrolling.
function accumulateBlock(
  x: Float32Array,
  dy: Float32Array,
  dW: Float32Array,
  n: number,
  ohLo: number,
  ohHi: number,
  owLo: number,
  owHi: number,
  kh: number,
  colShift: number,
  ci: number,
  co: number,
  bi: number,
  bo: number,
  wBase: number,
  g: Conv2DGeometry,
): void {
  const { inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = g;
  if (bi === 4 && bo === 4) {
    const xStep = g.strideWidth * Ci;
    let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
    for (let oh = ohLo; oh < ohHi; oh++) {
      const ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
      let xo = ((n * H + ih) * W + owLo * g.strideWidth + colShift) * Ci + ci;
      let yo = ((n * OH + oh) * OW + owLo) * Co + co;
      for (let ow = owLo; ow < owHi; ow++) {
        const x0 = x[xo]!, x1 = x[xo + 1]!, x2 = x[xo + 2]!, x3 = x[xo + 3]!;
        const y0 = dy[yo]!, y1 = dy[yo + 1]!, y2 = dy[yo + 2]!, y3 = dy[yo + 3]!;
        a00 += x0 * y0; a01 += x0 * y1; a02 += x0 * y2; a03 += x0 * y3;
        a10 += x1 * y0; a11 += x1 * y1; a12 += x1 * y2; a13 += x1 * y3;
        a20 += x2 * y0; a21 += x2 * y1; a22 += x2 * y2; a23 += x2 * y3;
        a30 += x3 * y0; a31 += x3 * y1; a32 += x3 * y2; a33 += x3 * y3;
        xo += xStep;
        yo += Co;
      }
    }
    let o = wBase + ci * Co + co;
    dW[o]! += a00; dW[o + 1]! += a01; dW[o + 2]! += a02; dW[o + 3]! += a03;
    o += Co;
    dW[o]! += a10; dW[o + 1]! += a11; dW[o + 2]! += a12; dW[o + 3]! += a13;
    o += Co;
    dW[o]! += a20; dW[o + 1]! += a21; dW[o + 2]! += a22; dW[o + 3]! += a23;
    o += Co;
    dW[o]! += a30; dW[o + 1]! += a31; dW[o + 2]! += a32; dW[o + 3]! += a33;
    return;
  }
  const acc = new Float64Array(16);
  for (let oh = ohLo; oh < ohHi; oh++) {
    const ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
    for (let ow = owLo; ow < owHi; ow++) {
      const xo = ((n * H + ih) * W + ow * g.strideWidth + colShift) * Ci + ci;
      const yo = ((n * OH + oh) * OW + ow) * Co + co;
      for (let i = 0; i < bi; i++) {
        const xv = x[xo + i]!;
        for (let j = 0; j < bo; j++) acc[i * 4 + j]! += xv * dy[yo + j]!;
      }
    }
  }
  for (let i = 0; i < bi; i++) {
    for (let j = 0; j < bo; j++) dW[wBase + (ci + i) * Co + co + j]! += acc[i * 4 + j]!;
  }
}
