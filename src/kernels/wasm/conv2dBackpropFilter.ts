import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterLoop } from '../loops/conv2dBackpropFilter.js';
import { conv2dInfoOf, geometryOf } from '../loops/geometry.js';
import { allocF32, readF32, withScope, type Info } from '../tensorData.js';
import { UnetKitError } from '../../core/errors.js';

/**
 * Filter gradient of a 2D convolution on wasm, which tfjs 4.22 lacks.
 *
 * Written as wasm's own (XNNPACK) forward convolution: with the batch as channels and the input
 * channels as batch, `dW[kh, kw, ci, co] = sum_{oh, ow, n} xp[ci, oh*sh + kh, ow*sw + kw, n] *
 * dy[oh, ow, n, co]` is a valid convolution of the padded, transposed input with `dy` as the
 * filter at dilation = stride (the fix checked in docs/tfjs-gaps.md). Small problems, where the
 * transposes dominate, use the blocked direct loop on the wasm heap instead.
 */
export function wasmConv2dBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat === 'NCHW') throw new UnetKitError('Conv2DBackpropFilter (wasm)', 'attrs.dataFormat', "is 'NCHW'; expected 'NHWC' (unet-kit is channels-last).");
  const info = conv2dInfoOf(x.shape, a.filterShape, a);
  if (preferLoop(info)) {
    const out = allocF32(backend, info.filterShape);
    conv2dBackpropFilterLoop(readF32(backend, x), readF32(backend, dy), geometryOf(info), readF32(backend, out.info));
    return out.info;
  }
  return withScope(backend, 'wasm', (s) => {
    const { top, bottom, left, right } = info.padInfo;
    const padded =
      top + bottom + left + right > 0
        ? s.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
        : x;
    const xt = s.run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
    const dyt = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const conv = s.run('Conv2D', { x: xt, filter: dyt }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
    const [kh, kw, ci, co] = info.filterShape;
    const cropped =
      conv.shape[1] !== kh || conv.shape[2] !== kw ? s.run('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] }) : conv;
    return s.keep(s.run('Transpose', { x: cropped }, { perm: [1, 2, 0, 3] }));
  });
}

// The XNNPACK route pays three transposes and an indirection buffer of (Ci*KH*KW) x (OH*OW)
// pointers; below ~1 M multiply-adds the direct loop is faster. Above, XNNPACK runs at 10-20
// GFLOP/s against the loop's ~4 (measured on the bench U-Net's layers).
function preferLoop(info: tf.backend_util.Conv2DInfo): boolean {
  const flops = info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels * info.outChannels;
  return flops < 1e6;
}
