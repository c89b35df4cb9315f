import { validRange, type Conv2DGeometry } from './geometry.js';

/**
 * Filter gradient of a depthwise 2D convolution (channels last, channel multiplier
 * `g.outChannels`): `dW[kh, kw, c, m] = sum_{n, oh, ow} x[n, ih, iw, c] * dy[n, oh, ow, c*M + m]`
 * with `ih = oh*sh - pt + kh*dh`, `iw = ow*sw - pl + kw*dw` (TensorFlow's
 * DepthwiseConv2dNativeBackpropFilter). Accumulates in float64.
 */
export function depthwiseBackpropFilterLoop(x: Float32Array, dy: Float32Array, g: Conv2DGeometry, dW: Float32Array): void {
  const acc = new Float64Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  depthwiseTaps(x, dy, acc, g, true);
  dW.set(acc);
}

/**
 * Input gradient of a depthwise 2D convolution (channels last):
 * `dx[n, ih, iw, c] = sum_{kh, kw, m} dy[n, oh, ow, c*M + m] * w[kh, kw, c, m]` over the output
 * positions whose window covers (ih, iw) (TensorFlow's DepthwiseConv2dNativeBackpropInput),
 * computed as a scatter from each output position.
 */
export function depthwiseBackpropInputLoop(dy: Float32Array, w: Float32Array, g: Conv2DGeometry, dx: Float32Array): void {
  dx.fill(0);
  depthwiseTaps(dx, dy, w, g, false);
}

/**
 * The sweep both gradients share: for every filter tap (kh, kw) and every output position whose
 * input (ih, iw) is inside the image, the pixel pair `x[n, ih, iw, :]` / `dy[n, oh, ow, :]`.
 * `filterGrad` adds `x * dy` into the taps `w` (float64 sums); otherwise it adds `dy * w` into
 * `x` (the input gradient). The mode is fixed per call, so each branch stays monomorphic.
 */
function depthwiseTaps(x: Float32Array, dy: Float32Array, w: Float32Array | Float64Array, g: Conv2DGeometry, filterGrad: boolean): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: M } = g;
  const CM = C * M;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    const [ohLo, ohHi] = validRange(kh, g.strideHeight, g.padTop, g.dilationHeight, H, OH);
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const [owLo, owHi] = validRange(kw, g.strideWidth, g.padLeft, g.dilationWidth, W, OW);
      const wBase = (kh * g.filterWidth + kw) * CM;
      for (let n = 0; n < batch; n++) {
        for (let oh = ohLo; oh < ohHi; oh++) {
          const ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * g.strideWidth - g.padLeft + kw * g.dilationWidth;
            const xo = ((n * H + ih) * W + iw) * C;
            const yo = ((n * OH + oh) * OW + ow) * CM;
            if (filterGrad) {
              if (M === 1) {
                for (let c = 0; c < C; c++) w[wBase + c]! += x[xo + c]! * dy[yo + c]!;
              } else {
                for (let c = 0; c < C; c++) {
                  const xv = x[xo + c]!;
                  for (let m = 0; m < M; m++) w[wBase + c * M + m]! += xv * dy[yo + c * M + m]!;
                }
              }
            } else if (M === 1) {
              for (let c = 0; c < C; c++) x[xo + c]! += dy[yo + c]! * w[wBase + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++) s += dy[yo + c * M + m]! * w[wBase + c * M + m]!;
                x[xo + c]! += s;
              }
            }
          }
        }
      }
    }
  }
}
