import * as tf from '@tensorflow/tfjs-core';
import { conv2dInfoOf } from '../loops/geometry.js';
import { stockKernel } from '../registry.js';
import { readF32, withScope, type Info, type KernelScope } from '../tensorData.js';
import { UnetKitError } from '../../core/errors.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * Input gradient of a 2D convolution (also the forward op of `conv2dTranspose`) through the
 * backend's forward `Conv2D` (on wasm XNNPACK's, instead of tfjs' direct C loop at ~2 GFLOP/s; on
 * cpu unet-kit's blocked loop):
 * - stride 1: a forward convolution of `dy` with the filter flipped in space and its channel
 *   axes swapped, padded by `k - 1 - pad` (the adjoint of a stride-1 convolution);
 * - kernel size = stride with no padding (the U-Net up-convolution): one 1x1 convolution
 *   `dy @ W^T` giving every output pixel's `KH x KW x Ci` patch, then a depth-to-space copy;
 * - anything else: the stock kernel.
 */
export function conv2dBackpropInputKernel(backendName: string): tf.KernelFunc {
  return (args) => conv2dBackpropInput(args, backendName);
}

function conv2dBackpropInput(args: Args, backendName: string): Info {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const stock = () => {
    const config = stockKernel(tf.Conv2DBackpropInput, backendName);
    if (config === undefined) throw new UnetKitError('installKernels', 'backendName', `is '${backendName}', whose stock Conv2DBackpropInput kernel is missing; register the tfjs backend before installing unet-kit's kernels.`);
    return config.kernelFunc(args) as Info;
  };
  if (a.dataFormat === 'NCHW') return stock();
  const info = conv2dInfoOf(a.inputShape, filter.shape, a);
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const { top, left } = info.padInfo;
  if (sh === 1 && sw === 1) {
    const pt = KH - 1 - top;
    const pl = KW - 1 - left;
    const pb = H - OH - pt + KH - 1;
    const pr = W - OW - pl + KW - 1;
    if (pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0) {
      return withScope(backend, backendName, (s) => {
        const flipped = flipFilter(s, filter);
        return s.keep(
          s.run('Conv2D', { x: dy, filter: flipped }, {
            strides: [1, 1],
            pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]],
            dataFormat: 'NHWC',
            dilations: [1, 1],
          } as unknown as tf.NamedAttrMap),
        );
      });
    }
  }
  if (KH === sh && KW === sw && top === 0 && left === 0 && OH * sh === H && OW * sw === W) {
    return withScope(backend, backendName, (s) => patchUpsample(s, dy, filter, info));
  }
  return stock();
}

// f [KH, KW, Ci, Co] -> f'[kh, kw, co, ci] = f[KH-1-kh, KW-1-kw, ci, co].
function flipFilter(s: KernelScope, filter: Info): Info {
  const [KH, KW, Ci, Co] = filter.shape as [number, number, number, number];
  const out = s.alloc([KH, KW, Co, Ci]);
  const w = readF32(s.backend, filter);
  const o = readF32(s.backend, out);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Ci * Co;
      const dst = (kh * KW + kw) * Co * Ci;
      for (let ci = 0; ci < Ci; ci++) for (let co = 0; co < Co; co++) o[dst + co * Ci + ci] = w[src + ci * Co + co]!;
    }
  }
  return out;
}

// Kernel = stride, no padding: every input pixel belongs to exactly one window, so
// dx[n, oh*KH + kh, ow*KW + kw, ci] = sum_co dy[n, oh, ow, co] * f[kh, kw, ci, co].
function patchUpsample(s: KernelScope, dy: Info, filter: Info, info: tf.backend_util.Conv2DInfo): Info {
  const [KH, KW, Ci, Co] = filter.shape as [number, number, number, number];
  const { batchSize: N, outHeight: OH, outWidth: OW } = info;
  const patch = KH * KW * Ci;
  const wT = s.alloc([1, 1, Co, patch]);
  const out = s.alloc(info.inShape);
  {
    const w = readF32(s.backend, filter);
    const t = readF32(s.backend, wT);
    for (let p = 0; p < patch; p++) for (let co = 0; co < Co; co++) t[co * patch + p] = w[p * Co + co]!;
  }
  const patches = s.run('Conv2D', { x: dy, filter: wT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap);
  const src = readF32(s.backend, patches);
  const dst = readF32(s.backend, out);
  const W = OW * KW;
  const row = KW * Ci;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const p = ((n * OH + oh) * OW + ow) * patch;
        for (let kh = 0; kh < KH; kh++) {
          const d = ((n * OH * KH + oh * KH + kh) * W + ow * KW) * Ci;
          dst.set(src.subarray(p + kh * row, p + (kh + 1) * row), d);
        }
      }
    }
  }
  return s.keep(out);
}
