// tfjs-core 4.22's computeConv3DInfo computes 'same' padding as (out - 1) * stride + k - in per
// axis without clamping it at 0 (its 2D twin clamps): where the filter is smaller than the
// stride (a 1x1x1 conv at stride 2, resUNet's strided shortcut) on an even size the total is -1,
// the front pad floor(-1 / 2) = -1, and every tfjs 3D conv kernel (cpu, webgl, webgpu, wasm)
// reads the input one voxel late: a 1x1x1 stride-2 conv samples voxels 1, 3, 5, ... instead of
// TensorFlow's 0, 2, 4, ... TensorFlow pads max(0, total), front floor(total / 2)
// (tensorflow/core/framework/kernel_shape_util.cc, GetWindowedOutputSizeVerbose).
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { withScope, type Info, type KernelScope, type Shape5 } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** Front and back padding of one spatial axis. */
export type AxisPad = [number, number];

/**
 * TensorFlow's 'same' padding of the three spatial axes of a conv described by `info` (whose
 * own pads may be negative): total `max(0, (out - 1) * stride + effectiveK - in)`, front half
 * rounded down.
 */
export function sameAxisPads(info: tf.backend_util.Conv3DInfo): [AxisPad, AxisPad, AxisPad] {
  const axis = (size: number, out: number, stride: number, k: number): AxisPad => {
    const total = Math.max(0, (out - 1) * stride + k - size);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  return [
    axis(info.inDepth, info.outDepth, info.strideDepth, info.effectiveFilterDepth),
    axis(info.inHeight, info.outHeight, info.strideHeight, info.effectiveFilterHeight),
    axis(info.inWidth, info.outWidth, info.strideWidth, info.effectiveFilterWidth),
  ];
}

/** True when tfjs' own 'same' pads of `info` are negative on some axis (the case it gets wrong). */
export function hasNegativePad(info: tf.backend_util.Conv3DInfo): boolean {
  const p = info.padInfo;
  return p.front < 0 || p.back < 0 || p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0;
}

/**
 * `tf.backend_util.computeConv3DInfo` with TensorFlow's 'same' padding (see the file comment);
 * identical to it for 'valid' and wherever its pads are not negative.
 */
export function conv3DInfo(
  xShape: Shape5,
  filterShape: Shape5,
  strides: number | [number, number, number],
  dilations: number | [number, number, number],
  pad: 'same' | 'valid',
): tf.backend_util.Conv3DInfo {
  const info = tf.backend_util.computeConv3DInfo(xShape, filterShape, strides, dilations, pad);
  if (!hasNegativePad(info)) return info;
  const [[front, back], [top, bottom], [left, right]] = sameAxisPads(info);
  return { ...info, padInfo: { ...info.padInfo, front, back, top, bottom, left, right } };
}

const unpadded = (pads: [AxisPad, AxisPad, AxisPad]): boolean => pads.every(([a, b]) => a === 0 && b === 0);

/** Runs the stock kernel `name` of `backendName`; the caller owns its output. */
function stock(name: string, backendName: string, backend: object, inputs: tf.NamedTensorInfoMap, attrs: object): Info {
  return stockKernelFunc(name, backendName)({ inputs, backend: backend as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

/**
 * `x` (`[N, D, H, W, C]`) zero-padded by `pads` on its spatial axes, or `x` itself: the `PadV2`
 * registered now, which on WebGL and WebGPU is unet-kit's rank-5 pad (gpuPad.ts; the stock
 * shader does not compile at rank 5).
 */
export function padded(s: KernelScope, x: Info, pads: [AxisPad, AxisPad, AxisPad]): Info {
  if (unpadded(pads)) return x;
  return s.run(tf.PadV2, { x }, { paddings: [[0, 0], ...pads, [0, 0]], constantValue: 0 } as unknown as tf.NamedAttrMap);
}

/**
 * The block of `x` (`[N, D2, H2, W2, C]`) of spatial `shape` starting at voxel `begin`
 * (`[d, h, w]`): two Slices of rank 3 and 4, which every backend's stock Slice handles.
 */
export function spatialSlice(s: KernelScope, x: Info, begin: [number, number, number], shape: Shape5): Info {
  const [N, D, H, W, C] = shape;
  const [, D2, H2, W2] = x.shape as Shape5;
  const [d, h, w] = begin;
  const deep = s.run(tf.Slice, { x: s.reshape(x, [N, D2, H2 * W2 * C]) }, { begin: [0, d, 0], size: [N, D, H2 * W2 * C] } as unknown as tf.NamedAttrMap);
  const planes = s.run(tf.Slice, { x: s.reshape(deep, [N * D, H2, W2, C]) }, { begin: [0, h, w, 0], size: [N * D, H, W, C] } as unknown as tf.NamedAttrMap);
  return s.reshape(planes, [...shape]);
}

/** The inverse of {@link padded}: `x` cropped by `pads` on its spatial axes to `shape`. */
const cropped = (s: KernelScope, x: Info, [d, h, w]: [AxisPad, AxisPad, AxisPad], shape: Shape5): Info => spatialSlice(s, x, [d[0], h[0], w[0]], shape);

/**
 * `Conv3D`, `Conv3DBackpropFilterV2` and `Conv3DBackpropInputV2` for a backend whose stock
 * kernels take tfjs' negative 'same' pads (webgl, webgpu): where those are negative, the input
 * is zero-padded by TensorFlow's pads and the stock kernel runs with 'valid' (same output size:
 * a conv whose last window fits unpadded has `ceil(in / stride)` valid outputs); the input
 * gradient is computed for the padded input and cropped. Elsewhere: the stock kernel as is.
 */
export function samePadConv3DKernels(backendName: string): Array<[string, tf.KernelFunc]> {
  const conv: tf.KernelFunc = (args: Args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv3DAttrs;
    const info = tf.backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, a.strides, a.dilations, a.pad);
    if (a.pad !== 'same' || !hasNegativePad(info)) return stock(tf.Conv3D, backendName, args.backend, args.inputs, args.attrs ?? {});
    return withScope(args.backend, backendName, (s) => stock(tf.Conv3D, backendName, args.backend, { x: padded(s, x, sameAxisPads(info)), filter }, { ...a, pad: 'valid' }));
  };
  const filterGrad: tf.KernelFunc = (args: Args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const a = args.attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
    const info = tf.backend_util.computeConv3DInfo(x.shape as Shape5, a.filterShape, a.strides, 1, a.pad);
    if (a.pad !== 'same' || !hasNegativePad(info)) return stock(tf.Conv3DBackpropFilterV2, backendName, args.backend, args.inputs, args.attrs ?? {});
    return withScope(args.backend, backendName, (s) => stock(tf.Conv3DBackpropFilterV2, backendName, args.backend, { x: padded(s, x, sameAxisPads(info)), dy }, { ...a, pad: 'valid' }));
  };
  const inputGrad: tf.KernelFunc = (args: Args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
    const info = tf.backend_util.computeConv3DInfo(a.inputShape, filter.shape as Shape5, a.strides, 1, a.pad);
    if (a.pad !== 'same' || !hasNegativePad(info)) return stock(tf.Conv3DBackpropInputV2, backendName, args.backend, args.inputs, args.attrs ?? {});
    const pads = sameAxisPads(info);
    const inputShape = a.inputShape.map((n, i) => (i >= 1 && i <= 3 ? n + pads[i - 1]![0] + pads[i - 1]![1] : n));
    if (unpadded(pads)) return stock(tf.Conv3DBackpropInputV2, backendName, args.backend, { dy, filter }, { ...a, pad: 'valid' });
    return withScope(args.backend, backendName, (s) => {
      const dx = s.own(stock(tf.Conv3DBackpropInputV2, backendName, args.backend, { dy, filter }, { ...a, pad: 'valid', inputShape }));
      return s.keep(cropped(s, dx, pads, a.inputShape));
    });
  };
  return [
    [tf.Conv3D, conv],
    [tf.Conv3DBackpropFilterV2, filterGrad],
    [tf.Conv3DBackpropInputV2, inputGrad],
  ];
}
