import type * as tf from '@tensorflow/tfjs-core';

/**
 * The pooling-window geometry the max-pool loops read (channels last), built by
 * {@link poolWindowOf} from a tfjs `Conv3DInfo`, or from a 2D `Conv2DInfo` as a volume of depth 1.
 * Always the same object shape, so the loops' property reads stay monomorphic.
 */
export interface PoolWindow {
  batch: number;
  inDepth: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outDepth: number;
  outHeight: number;
  outWidth: number;
  strideDepth: number;
  strideHeight: number;
  strideWidth: number;
  dilationDepth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Dilated window extents. */
  filterDepth: number;
  filterHeight: number;
  filterWidth: number;
  padFront: number;
  padTop: number;
  padLeft: number;
}

/** The {@link PoolWindow} of a 3D pooling, or of a 2D one (depth 1). */
export function poolWindowOf(p: tf.backend_util.Conv3DInfo | tf.backend_util.Conv2DInfo): PoolWindow {
  const volume = 'inDepth' in p;
  return {
    batch: p.batchSize,
    inDepth: volume ? p.inDepth : 1,
    inHeight: p.inHeight,
    inWidth: p.inWidth,
    channels: p.inChannels,
    outDepth: volume ? p.outDepth : 1,
    outHeight: p.outHeight,
    outWidth: p.outWidth,
    strideDepth: volume ? p.strideDepth : 1,
    strideHeight: p.strideHeight,
    strideWidth: p.strideWidth,
    dilationDepth: volume ? p.dilationDepth : 1,
    dilationHeight: p.dilationHeight,
    dilationWidth: p.dilationWidth,
    filterDepth: volume ? p.effectiveFilterDepth : 1,
    filterHeight: p.effectiveFilterHeight,
    filterWidth: p.effectiveFilterWidth,
    padFront: volume ? p.padInfo.front : 0,
    padTop: p.padInfo.top,
    padLeft: p.padInfo.left,
  };
}

/** Room for the taps of one window: the most {@link windowTaps} can return. */
function tapBuffer(p: PoolWindow): Int32Array {
  return new Int32Array(Math.ceil(p.filterDepth / p.dilationDepth) * Math.ceil(p.filterHeight / p.dilationHeight) * Math.ceil(p.filterWidth / p.dilationWidth));
}

/**
 * The in-bounds taps of the window of output position `pos` (flat over [N, OD, OH, OW]): the
 * `x` offsets of their channel 0, in (depth, row, column) order, written to `taps`. Returns
 * their count.
 */
function windowTaps(p: PoolWindow, pos: number, taps: Int32Array): number {
  const ow = pos % p.outWidth;
  let rest = (pos - ow) / p.outWidth;
  const oh = rest % p.outHeight;
  rest = (rest - oh) / p.outHeight;
  const od = rest % p.outDepth;
  const n = (rest - od) / p.outDepth;
  const d0 = od * p.strideDepth - p.padFront;
  const h0 = oh * p.strideHeight - p.padTop;
  const w0 = ow * p.strideWidth - p.padLeft;
  let k = 0;
  for (let kd = 0; kd < p.filterDepth; kd += p.dilationDepth) {
    const d = d0 + kd;
    if (d < 0 || d >= p.inDepth) continue;
    for (let kh = 0; kh < p.filterHeight; kh += p.dilationHeight) {
      const h = h0 + kh;
      if (h < 0 || h >= p.inHeight) continue;
      for (let kw = 0; kw < p.filterWidth; kw += p.dilationWidth) {
        const w = w0 + kw;
        if (w < 0 || w >= p.inWidth) continue;
        taps[k++] = (((n * p.inDepth + d) * p.inHeight + h) * p.inWidth + w) * p.channels;
      }
    }
  }
  return k;
}

/**
 * 3D max pooling (channels last) with the window maximum starting at -Infinity, so windows of
 * negative values give their maximum (tfjs 4.22's wasm kernel starts at FLT_MIN and returns
 * 1.175e-38 for them).
 */
export function maxPool3dLoop(x: Float32Array, info: tf.backend_util.Conv3DInfo, out: Float32Array): void {
  const p = poolWindowOf(info);
  const C = p.channels;
  const taps = tapBuffer(p);
  const positions = p.batch * p.outDepth * p.outHeight * p.outWidth;
  for (let pos = 0, o = 0; pos < positions; pos++, o += C) {
    const k = windowTaps(p, pos, taps);
    for (let c = 0; c < C; c++) out[o + c] = -Infinity;
    for (let t = 0; t < k; t++) {
      const xo = taps[t]!;
      for (let c = 0; c < C; c++) {
        const v = x[xo + c]!;
        if (v > out[o + c]!) out[o + c] = v;
      }
    }
  }
}

/**
 * Gradient of {@link maxPool3dLoop}: each output's gradient goes to the position of its
 * window maximum, the last one in (depth, row, column) order on ties, as tfjs' cpu kernel does.
 */
export function maxPool3dGradLoop(dy: Float32Array, x: Float32Array, p: tf.backend_util.Conv3DInfo, dx: Float32Array): void {
  maxPoolGradLoop(dy, x, poolWindowOf(p), dx, true);
}

/**
 * Max-pool gradient over any {@link PoolWindow}: `dx` gets each output's `dy` at its window's
 * maximum (starting at -Infinity), the last one on ties when `lastOnTies`, else the first.
 */
export function maxPoolGradLoop(dy: Float32Array, x: Float32Array, p: PoolWindow, dx: Float32Array, lastOnTies: boolean): void {
  const C = p.channels;
  const taps = tapBuffer(p);
  const best = new Float64Array(C);
  const at = new Int32Array(C);
  const positions = p.batch * p.outDepth * p.outHeight * p.outWidth;
  dx.fill(0);
  for (let pos = 0, o = 0; pos < positions; pos++, o += C) {
    const k = windowTaps(p, pos, taps);
    for (let c = 0; c < C; c++) {
      best[c] = -Infinity;
      at[c] = -1;
    }
    for (let t = 0; t < k; t++) {
      const xo = taps[t]!;
      if (lastOnTies) {
        for (let c = 0; c < C; c++) {
          if (x[xo + c]! >= best[c]!) {
            best[c] = x[xo + c]!;
            at[c] = xo + c;
          }
        }
      } else {
        for (let c = 0; c < C; c++) {
          if (x[xo + c]! > best[c]!) {
            best[c] = x[xo + c]!;
            at[c] = xo + c;
          }
        }
      }
    }
    for (let c = 0; c < C; c++) if (at[c]! >= 0) dx[at[c]!]! += dy[o + c]!;
  }
}
