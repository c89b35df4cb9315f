import type * as tf from '@tensorflow/tfjs-core';
import type { Info } from '../tensorData.js';

/** An op attribute as tfjs-node's binding takes it. */
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/**
 * The parts of tfjs-node's backend object these kernels use (structural, so the package stays
 * an optional peer): TensorFlow eager ops by name, with their attribute type codes.
 */
export interface TensorflowBackendLike {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: Info[]): Info;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: Info[], numOutputs: number): Info[];
  disposeData(dataId: object, force?: boolean): boolean;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: unknown): Info;
  write(values: Float32Array | Int32Array, shape: number[], dtype: tf.DataType): object;
}

/** The `T: float32` attribute most TensorFlow ops take. */
export function float32Attr(backend: TensorflowBackendLike): OpAttr {
  return { name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT };
}
