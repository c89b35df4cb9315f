import type * as tf from '@tensorflow/tfjs-core';
import type { Info } from '../tensorData.js';
import type { TensorflowBackendLike } from './backendLike.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * `SearchSorted` on `tensorflow`, which tfjs-node 4.22 does not register (`tf.searchSorted`,
 * `histogramEqualize` fail there): TensorFlow's `LowerBound` (`side: 'left'`) or `UpperBound`
 * (`'right'`), which take the same `[batch, n]` sorted rows and `[batch, m]` values and return
 * int32 indices, as `tf.searchSorted` defines them (numpy's `searchsorted`).
 */
export function tensorflowSearchSorted({ inputs, backend, attrs }: Args): Info {
  const { sortedSequence, values } = inputs as { sortedSequence: Info; values: Info };
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const { binding } = tfBackend;
  const dtype = sortedSequence.dtype === 'int32' ? binding.TF_INT32 : binding.TF_FLOAT;
  const op = (attrs as { side: 'left' | 'right' }).side === 'left' ? 'LowerBound' : 'UpperBound';
  return tfBackend.executeSingleOutput(
    op,
    [
      { name: 'T', type: binding.TF_ATTR_TYPE, value: dtype },
      { name: 'out_type', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
    ],
    [sortedSequence, values],
  );
}
