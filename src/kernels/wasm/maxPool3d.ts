import * as tf from '@tensorflow/tfjs-core';
import { maxPool3dGradLoop, maxPool3dLoop } from '../loops/maxPool3d.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** `MaxPool3D` for wasm, replacing tfjs 4.22's, which is wrong for all-negative windows. */
export function wasmMaxPool3D({ inputs, backend, attrs }: Args): Info {
  const { x } = inputs as { x: Info };
  const a = attrs as unknown as tf.MaxPool3DAttrs;
  const p = tf.backend_util.computePool3DInfo(x.shape as [number, number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode, a.dataFormat);
  const out = allocF32(backend, p.outShape);
  maxPool3dLoop(readF32(backend, x), p, readF32(backend, out.info));
  return out.info;
}

/** `MaxPool3DGrad` for wasm, consistent with {@link wasmMaxPool3D} (and tfjs' cpu kernel). */
export function wasmMaxPool3DGrad({ inputs, backend, attrs }: Args): Info {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const a = attrs as unknown as tf.MaxPool3DGradAttrs;
  const p = tf.backend_util.computePool3DInfo(input.shape as [number, number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const out = allocF32(backend, input.shape);
  maxPool3dGradLoop(readF32(backend, dy), readF32(backend, input), p, readF32(backend, out.info));
  return out.info;
}
