import type * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of 2D max pooling (channels last): each output's gradient goes to its window's
 * maximum, the first one in (row, column) order on ties, as tfjs' cpu kernel does. The maximum
 * starts at -Infinity; tfjs 4.22's wasm kernel starts at FLT_MIN and so routes the gradient of
 * all-negative windows to the wrong place (or nowhere).
 */
export function maxPool2dGradLoop(dy: Float32Array, x: Float32Array, p: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  const C = p.inChannels;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < p.batchSize; n++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      const h0 = oh * p.strideHeight - p.padInfo.top;
      for (let ow = 0; ow < p.outWidth; ow++) {
        const w0 = ow * p.strideWidth - p.padInfo.left;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let kh = 0; kh < p.effectiveFilterHeight; kh += p.dilationHeight) {
            const h = h0 + kh;
            if (h < 0 || h >= p.inHeight) continue;
            for (let kw = 0; kw < p.effectiveFilterWidth; kw += p.dilationWidth) {
              const w = w0 + kw;
              if (w < 0 || w >= p.inWidth) continue;
              const xi = ((n * p.inHeight + h) * p.inWidth + w) * C + c;
              if (x[xi]! > best) {
                best = x[xi]!;
                at = xi;
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
