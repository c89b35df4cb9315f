import type * as tf from '@tensorflow/tfjs-core';

/**
 * Whether `value` is a tfjs tensor. Duck-typed (a `shape` array and `dataSync`), not
 * `instanceof`, so tensors from a second copy of tfjs-core (a bundled app beside a Node backend
 * package, two versions in one `node_modules`) are recognised too. Internal helper of the
 * argument checks.
 *
 * @example `isTensor(tf.zeros([2]))` is `true`; `isTensor([0, 0])` is `false`.
 */
export function isTensor(value: unknown): value is tf.Tensor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { dataSync?: unknown }).dataSync === 'function' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}
