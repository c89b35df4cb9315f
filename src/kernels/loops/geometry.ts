import * as tf from '@tensorflow/tfjs-core';

/** The 2D convolution geometry the loop kernels use (channels last). */
export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  /** Output channels of a regular conv; the channel multiplier of a depthwise conv. */
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** The attributes {@link conv2dInfoOf} reads: those shared by Conv2D, its backprops and the depthwise ops. */
export interface Conv2DWindowAttrs {
  strides: [number, number] | number;
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The tfjs `Conv2DInfo` (channels last) of a 2D convolution of an input of `xShape` with a filter
 * of `filterShape` (`[KH, KW, Ci, Co]`, or `[KH, KW, Ci, M]` when `depthwise`).
 */
export function conv2dInfoOf(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv2DWindowAttrs,
  dilations: [number, number] | number = 1,
  depthwise = false,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/** The loop geometry of a tfjs `Conv2DInfo` (channels last). */
export function geometryOf(info: tf.backend_util.Conv2DInfo, depthwise = false): Conv2DGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: depthwise ? info.outChannels / info.inChannels : info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * The output positions `o` in `[lo, hi)` whose input index `o * stride - pad + k * dilation`
 * falls inside `[0, size)`, for one filter tap `k`.
 */
export function validRange(k: number, stride: number, pad: number, dilation: number, size: number, outSize: number): [number, number] {
  const shift = k * dilation - pad;
  const lo = Math.max(0, Math.ceil(-shift / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - shift) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}
