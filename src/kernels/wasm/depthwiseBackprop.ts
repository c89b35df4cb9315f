import type * as tf from '@tensorflow/tfjs-core';
import { depthwiseBackpropFilterLoop, depthwiseBackpropInputLoop } from '../loops/depthwiseBackprop.js';
import { conv2dInfoOf, geometryOf, type Conv2DGeometry } from '../loops/geometry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** Runs one of the depthwise backprop loops on two wasm-heap inputs into a new `outShape` tensor. */
function runDepthwiseLoop(
  backend: Args['backend'],
  loop: (a: Float32Array, b: Float32Array, g: Conv2DGeometry, out: Float32Array) => void,
  a: Info,
  b: Info,
  info: tf.backend_util.Conv2DInfo,
  outShape: number[],
): Info {
  const out = allocF32(backend, outShape);
  loop(readF32(backend, a), readF32(backend, b), geometryOf(info, true), readF32(backend, out.info));
  return out.info;
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (tfjs 4.22 has none, so depthwise and
 * separable convs cannot train there): a direct loop over the wasm heap, float64 sums.
 */
export function wasmDepthwiseBackpropFilter({ inputs, backend, attrs }: Args): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = conv2dInfoOf(x.shape, a.filterShape, a, a.dilations, true);
  return runDepthwiseLoop(backend, depthwiseBackpropFilterLoop, x, dy, info, a.filterShape);
}

/** `DepthwiseConv2dNativeBackpropInput` for wasm: a direct scatter loop over the wasm heap. */
export function wasmDepthwiseBackpropInput({ inputs, backend, attrs }: Args): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = conv2dInfoOf(a.inputShape, filter.shape, a, a.dilations, true);
  return runDepthwiseLoop(backend, depthwiseBackpropInputLoop, dy, filter, info, a.inputShape);
}
