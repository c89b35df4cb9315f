import * as tf from '@tensorflow/tfjs-core';
import { depthwiseBackpropFilterLoop, depthwiseBackpropInputLoop } from '../loops/depthwiseBackprop.js';
import { geometryOf } from '../loops/geometry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

function depthwiseInfo(
  xShape: number[],
  filterShape: number[],
  a: { strides: [number, number] | number; dilations: [number, number] | number; pad: tf.DepthwiseConv2dNativeBackpropFilterAttrs['pad']; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (tfjs 4.22 has none, so depthwise and
 * separable convs cannot train there): a direct loop over the wasm heap, float64 sums.
 */
export function wasmDepthwiseBackpropFilter({ inputs, backend, attrs }: Args): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseInfo(x.shape, a.filterShape, a);
  const out = allocF32(backend, a.filterShape);
  depthwiseBackpropFilterLoop(readF32(backend, x), readF32(backend, dy), geometryOf(info, true), readF32(backend, out.info));
  return out.info;
}

/** `DepthwiseConv2dNativeBackpropInput` for wasm: a direct scatter loop over the wasm heap. */
export function wasmDepthwiseBackpropInput({ inputs, backend, attrs }: Args): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = depthwiseInfo(a.inputShape, filter.shape, a);
  const out = allocF32(backend, a.inputShape);
  depthwiseBackpropInputLoop(readF32(backend, dy), readF32(backend, filter), geometryOf(info, true), readF32(backend, out.info));
  return out.info;
}
