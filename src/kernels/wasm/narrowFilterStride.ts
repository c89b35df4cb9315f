// tfjs-backend-wasm 4.22's Conv2D and FusedConv2D (XNNPACK) return zeros for a filter one column
// wide and more than one row high at a width stride above 1: over the 3 x 4 image 1..12, a 3x1
// filter of ones at strides [1, 2] gives 0, 0, 0, 0, 0, 0 (cpu: 6, 10, 15, 21, 14, 18); so does
// 3x1 at [2, 2] and 2x1 at [1, 2], while 1x1, 1x3 and 3x2 filters at the same strides are right.
// A one-column filter at width stride s reads only every s-th column, each at its own position
// ('same' pads a one-wide window by nothing), so the conv at width stride 1 over those columns
// is the same conv: exact, and the kernel that gets it right.
import * as tf from '@tensorflow/tfjs-core';
import { withScope, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** True for the calls the file comment describes (and only with no explicit width padding). */
export function isNarrowFilterAtWidthStride(filterShape: number[], attrs: { strides: number | [number, number]; pad: unknown; dataFormat?: string }): boolean {
  const [filterHeight, filterWidth] = filterShape as [number, number];
  const strideWidth = typeof attrs.strides === 'number' ? attrs.strides : attrs.strides[1];
  const padsWidth = attrs.pad !== 'same' && attrs.pad !== 'valid';
  return filterWidth === 1 && filterHeight > 1 && strideWidth > 1 && !padsWidth && (attrs.dataFormat ?? 'NHWC') === 'NHWC';
}

/**
 * Wraps `inner` (wasm's `Conv2D` or `FusedConv2D` as registered before this wrapper) so a
 * one-column filter at a width stride above 1 runs at width stride 1 on every `stride`-th column
 * of `x` (a stock `StridedSlice`); every other call goes to `inner` as is.
 */
export function narrowFilterStrideKernel(inner: tf.KernelFunc): tf.KernelFunc {
  return (args: Args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv2DAttrs;
    if (!isNarrowFilterAtWidthStride(filter.shape, a)) return inner(args) as Info;
    const [strideHeight, strideWidth] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
    return withScope(args.backend, 'wasm', (s) => {
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const columns = s.run(tf.StridedSlice, { x }, { begin: [0, 0, 0, 0], end: [n, h, w, c], strides: [1, 1, strideWidth, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 } as unknown as tf.NamedAttrMap);
      return inner({ inputs: { ...args.inputs, x: columns }, backend: args.backend, attrs: { ...a, strides: [strideHeight, 1] } as unknown as tf.NamedAttrMap }) as Info;
    });
  };
}
