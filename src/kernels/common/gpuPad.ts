// tfjs-backend-webgl and -webgpu 4.22 generate their PadV2 and MirrorPad shaders for rank <= 4
// only (WebGL: no `lessThan` overload for `ivec5`; WGSL: "cannot index type 'vec5'"), so
// `tf.pad` of a [N, D, H, W, C] volume fails on both GPU backends. Padding is separable: padding
// each axis in turn gives the same tensor (numpy.pad pads axis by axis too, for mirror modes
// over the already padded axes, which is also what the whole-tensor mirror computes). Each
// axis is padded as a rank-3 view [before, axis, after] between free reshapes.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { withScope } from '../tensorData.js';

/** The highest rank the stock GPU pad shaders compile. */
const MAX_RANK = 4;

/** The pad kernels this file replaces above rank 4. */
export type GpuPadKernelName = typeof tf.PadV2 | typeof tf.MirrorPad;

/**
 * `PadV2` or `MirrorPad` for `backendName` (registered for `'webgl'` and `'webgpu'`): above
 * rank 4, one stock pad per padded axis on a rank-3 view; else the stock kernel.
 */
export const gpuPadKernel = (name: GpuPadKernelName, backendName: string): tf.KernelFunc => (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const stock = stockKernelFunc(name, backendName);
  const paddings = (args.attrs as unknown as { paddings: Array<[number, number]> }).paddings;
  if (x.shape.length <= MAX_RANK) return stock(args);
  return withScope(args.backend, backendName, (s) => {
    let y = x;
    let shape = [...x.shape];
    paddings.forEach(([before, after], axis) => {
      if (before === 0 && after === 0) return;
      const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const view = s.reshape(y, [outer, shape[axis]!, inner]);
      const attrs = { ...args.attrs, paddings: [[0, 0], [before, after], [0, 0]] } as unknown as tf.NamedAttrMap;
      const padded = s.own(stock({ inputs: { x: view }, backend: args.backend, attrs }) as tf.TensorInfo);
      shape = shape.map((size, i) => (i === axis ? size + before + after : size));
      y = s.reshape(padded, shape);
    });
    // No axis padded: a copy, so the output never shares the input's data.
    return s.keep(y === x ? s.reshape(x, shape) : y);
  });
};
