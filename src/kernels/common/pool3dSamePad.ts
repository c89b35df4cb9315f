// The 3D pools share computeConv3DInfo's unclamped 'same' padding (conv3dSamePad.ts): a window
// smaller than its stride on an even size pads -1 in front, so tfjs' MaxPool3D and AvgPool3D
// (every backend but tensorflow) read the input one voxel late: a 1x1x1 pool at stride 2 over
// 4 x 4 gives [6, 8, 14, 16] where TensorFlow gives [1, 3, 9, 11]. Zero padding, the conv fix,
// would be wrong for a pool (max over a zero, an average counting it), so this one crops: on an
// axis whose total pad is negative TensorFlow pads nothing and its last window ends at
// (out - 1) * stride + k <= in; the input cut to that length has the same number of 'same'
// outputs with a total pad of exactly 0, so the stock kernel on it is TensorFlow's answer.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { withScope, type Info, type KernelScope, type Shape5 } from '../tensorData.js';
import { hasNegativePad, padded, spatialSlice, type AxisPad } from './conv3dSamePad.js';

type Args = Parameters<tf.KernelFunc>[0];
type PoolAttrs = { filterSize: number | [number, number, number]; strides: number | [number, number, number]; pad: 'same' | 'valid' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

/** The four 3D pooling kernels. */
type PoolKernel = typeof tf.MaxPool3D | typeof tf.MaxPool3DGrad | typeof tf.AvgPool3D | typeof tf.AvgPool3DGrad;

/** The kernel a wrapper falls back to: one of unet-kit's (wasm's MaxPool3D) or the stock one. */
export type InnerKernels = Partial<Record<PoolKernel, tf.KernelFunc>>;

/**
 * The spatial shape TensorFlow's 'same' pool reads of an input of `shape`: each axis whose
 * total pad tfjs computes as negative cut to `(out - 1) * stride + k`; `undefined` when tfjs'
 * pads are right (none negative, or not 'same').
 */
export function samePoolReadShape(shape: Shape5, attrs: PoolAttrs): Shape5 | undefined {
  if (attrs.pad !== 'same') return undefined;
  const info = tf.backend_util.computePool3DInfo(shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (!hasNegativePad(info)) return undefined;
  const axis = (size: number, out: number, stride: number, k: number) => Math.min(size, (out - 1) * stride + k);
  return [
    shape[0],
    axis(info.inDepth, info.outDepth, info.strideDepth, info.effectiveFilterDepth),
    axis(info.inHeight, info.outHeight, info.strideHeight, info.effectiveFilterHeight),
    axis(info.inWidth, info.outWidth, info.strideWidth, info.effectiveFilterWidth),
    shape[4],
  ];
}

/** `x` cut to `shape` from its first voxel. */
const crop = (s: KernelScope, x: Info, shape: Shape5): Info => spatialSlice(s, x, [0, 0, 0], shape);

/** The trailing zero padding that takes `shape` back to `full`. */
const tail = (shape: Shape5, full: Shape5): [AxisPad, AxisPad, AxisPad] => [
  [0, full[1] - shape[1]],
  [0, full[2] - shape[2]],
  [0, full[3] - shape[3]],
];

/**
 * `MaxPool3D`, `AvgPool3D` and their gradients with TensorFlow's 'same' padding, over `inner`
 * (default: the stock kernels of `backendName`): where tfjs' pads are negative, the forward
 * pools run on the input cropped as the file comment says, and the gradients on the cropped
 * input, their `dx` zero-padded back to the full shape (the cut voxels are read by no window).
 * Elsewhere: `inner` as is.
 */
export function samePadPool3DKernels(backendName: string, inner: InnerKernels = {}): Array<[string, tf.KernelFunc]> {
  const call = (name: PoolKernel, args: Args, inputs: tf.NamedTensorInfoMap): Info => {
    const kernel = inner[name] ?? stockKernelFunc(name, backendName);
    return kernel({ inputs, backend: args.backend, attrs: args.attrs ?? {} }) as Info;
  };
  const forward = (name: typeof tf.MaxPool3D | typeof tf.AvgPool3D): tf.KernelFunc => (args: Args) => {
    const { x } = args.inputs as { x: Info };
    const read = samePoolReadShape(x.shape as Shape5, args.attrs as unknown as PoolAttrs);
    if (read === undefined) return call(name, args, args.inputs);
    return withScope(args.backend, backendName, (s) => call(name, args, { x: crop(s, x, read) }));
  };
  const gradient = (name: typeof tf.MaxPool3DGrad | typeof tf.AvgPool3DGrad): tf.KernelFunc => (args: Args) => {
    const { input } = args.inputs as { input: Info };
    const full = input.shape as Shape5;
    const read = samePoolReadShape(full, args.attrs as unknown as PoolAttrs);
    if (read === undefined) return call(name, args, args.inputs);
    return withScope(args.backend, backendName, (s) => {
      const dx = s.own(call(name, args, { ...args.inputs, input: crop(s, input, read) }));
      return s.keep(padded(s, dx, tail(read, full)));
    });
  };
  return [
    [tf.MaxPool3D, forward(tf.MaxPool3D)],
    [tf.AvgPool3D, forward(tf.AvgPool3D)],
    [tf.MaxPool3DGrad, gradient(tf.MaxPool3DGrad)],
    [tf.AvgPool3DGrad, gradient(tf.AvgPool3DGrad)],
  ];
}
