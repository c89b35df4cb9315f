import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import type { Info } from '../tensorData.js';
import { float32Attr, type TensorflowBackendLike } from './backendLike.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * `Sum` on `tensorflow`. A sum over every axis but the last (a conv bias gradient, batch-norm
 * statistics) is TensorFlow's `BiasAddGrad`, about 6x faster than its generic `Sum` over leading
 * axes on 4x128x128x16; other sums run the stock kernel.
 */
export function tensorflowSum(args: Args): Info {
  const { inputs, backend, attrs } = args;
  const x = (inputs as { x: Info }).x;
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading || x.shape.includes(0)) return stockKernelFunc(tf.Sum, 'tensorflow')(args) as Info;
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const { binding } = tfBackend;
  const sum = tfBackend.executeSingleOutput('BiasAddGrad', [float32Attr(tfBackend), { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' }], [x]);
  if (!keepDims) return sum;
  const c = x.shape[rank - 1]!;
  const shape = new Array<number>(rank).fill(1);
  shape[rank - 1] = c;
  const shapeInfo: Info = { dataId: tfBackend.write(Int32Array.from(shape), [rank], 'int32'), shape: [rank], dtype: 'int32' };
  const out = tfBackend.executeSingleOutput('Reshape', [float32Attr(tfBackend), { name: 'Tshape', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 }], [sum, shapeInfo]);
  tfBackend.disposeData(sum.dataId, true);
  tfBackend.disposeData(shapeInfo.dataId, true);
  return out;
}
