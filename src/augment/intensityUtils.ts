import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import type { Sample } from './types.js';

/** Per-sample scalars as a `[N, 1, ..., 1]` tensor broadcasting over a rank-`rank` batch. */
export function perSample(values: readonly number[], rank: number): tf.Tensor {
  return tf.tensor(values as number[], [values.length, ...Array.from({ length: rank - 1 }, () => 1)]);
}

/** The image as float32 (intensity transforms compute in float). */
export function floatImage(sample: Sample): tf.Tensor {
  return sample.image.dtype === 'float32' ? sample.image : tf.cast(sample.image, 'float32');
}

/** Spatial axes `1 .. rank-2` of a channels-last batch. */
export function spatialAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
}

/** Checks a per-sample parameter list matches the batch. */
export function assertBatchParams(functionName: string, argument: string, values: readonly unknown[], sample: Sample): void {
  const n = sample.image.shape[0]!;
  if (!Array.isArray(values) || values.length !== n) {
    throw new UnetKitError(functionName, argument, `holds ${Array.isArray(values) ? values.length : 'no'} samples; the batch has ${n}.`);
  }
}
