import * as tf from '@tensorflow/tfjs-core';

/**
 * One-hot encodes an integer label map of any shape along a new last axis of `numClasses`
 * (`[...S]` -> `[...S, numClasses]`); labels outside `[0, numClasses)` give an all-zero row.
 * Built as a comparison with `range(numClasses)` rather than `tf.oneHot`: tfjs 4.22's wasm
 * `OneHot` kernel ignores `dtype: 'float32'` and writes integer bits (1 reads back as 1.4e-45),
 * see docs/tfjs-gaps.md. Internal helper of the losses and metrics; call inside `tf.tidy`.
 *
 * @param dtype - `'float32'` (default) or `'int32'`.
 * @example `oneHot(tf.tensor1d([0, 2], 'int32'), 3)` is `[[1, 0, 0], [0, 0, 1]]`.
 */
export function oneHot(labels: tf.Tensor, numClasses: number, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tidy(() => {
    const ints = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    return tf.cast(tf.equal(tf.expandDims(ints, -1), tf.range(0, numClasses, 1, 'int32')), dtype);
  });
}
