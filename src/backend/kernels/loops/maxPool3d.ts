import type * as tf from '@tensorflow/tfjs-core';

/**
 * 3D max pooling (channels last) with the window maximum starting at -Infinity, so windows of
 * negative values give their maximum (tfjs 4.22's wasm kernel starts at FLT_MIN and returns
 * 1.175e-38 for them).
 */
export function maxPool3dLoop(x: Float32Array, p: tf.backend_util.Conv3DInfo, out: Float32Array): void {
  const C = p.inChannels;
  let o = 0;
  for (let n = 0; n < p.batchSize; n++) {
    for (let od = 0; od < p.outDepth; od++) {
      const d0 = od * p.strideDepth - p.padInfo.front;
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h0 = oh * p.strideHeight - p.padInfo.top;
        for (let ow = 0; ow < p.outWidth; ow++) {
          const w0 = ow * p.strideWidth - p.padInfo.left;
          for (let c = 0; c < C; c++) out[o + c] = -Infinity;
          for (let kd = 0; kd < p.effectiveFilterDepth; kd += p.dilationDepth) {
            const d = d0 + kd;
            if (d < 0 || d >= p.inDepth) continue;
            for (let kh = 0; kh < p.effectiveFilterHeight; kh += p.dilationHeight) {
              const h = h0 + kh;
              if (h < 0 || h >= p.inHeight) continue;
              for (let kw = 0; kw < p.effectiveFilterWidth; kw += p.dilationWidth) {
                const w = w0 + kw;
                if (w < 0 || w >= p.inWidth) continue;
                const xo = (((n * p.inDepth + d) * p.inHeight + h) * p.inWidth + w) * C;
                for (let c = 0; c < C; c++) {
                  const v = x[xo + c]!;
                  if (v > out[o + c]!) out[o + c] = v;
                }
              }
            }
          }
          o += C;
        }
      }
    }
  }
}

/**
 * Gradient of {@link maxPool3dLoop}: each output's gradient goes to the position of its
 * window maximum, the last one in (depth, row, column) order on ties, as tfjs' cpu kernel does.
 */
export function maxPool3dGradLoop(dy: Float32Array, x: Float32Array, p: tf.backend_util.Conv3DInfo, dx: Float32Array): void {
  const C = p.inChannels;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < p.batchSize; n++) {
    for (let od = 0; od < p.outDepth; od++) {
      const d0 = od * p.strideDepth - p.padInfo.front;
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h0 = oh * p.strideHeight - p.padInfo.top;
        for (let ow = 0; ow < p.outWidth; ow++) {
          const w0 = ow * p.strideWidth - p.padInfo.left;
          for (let c = 0; c < C; c++) {
            let best = -Infinity;
            let at = -1;
            for (let kd = 0; kd < p.effectiveFilterDepth; kd += p.dilationDepth) {
              const d = d0 + kd;
              if (d < 0 || d >= p.inDepth) continue;
              for (let kh = 0; kh < p.effectiveFilterHeight; kh += p.dilationHeight) {
                const h = h0 + kh;
                if (h < 0 || h >= p.inHeight) continue;
                for (let kw = 0; kw < p.effectiveFilterWidth; kw += p.dilationWidth) {
                  const w = w0 + kw;
                  if (w < 0 || w >= p.inWidth) continue;
                  const xi = (((n * p.inDepth + d) * p.inHeight + h) * p.inWidth + w) * C + c;
                  if (x[xi]! >= best) {
                    best = x[xi]!;
                    at = xi;
                  }
                }
              }
            }
            if (at >= 0) dx[at]! += dy[o + c]!;
          }
          o += C;
        }
      }
    }
  }
}
