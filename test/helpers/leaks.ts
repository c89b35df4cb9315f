import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `fn` and asserts `tf.memory().numTensors` is the same before and after, after disposing
 * whatever `fn` returned (tensors anywhere inside arrays or plain objects). Returns `fn`'s
 * result read to plain JS first when `read` is set.
 *
 * @example `const v = await expectNoLeak(() => dice(a, b));`
 */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<Awaited<T>> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const returned = collectTensors(result);
  const after = tf.memory().numTensors;
  expect(after - returned.length, 'tensors leaked by the call').toBe(before);
  return result;
}

/** Like {@link expectNoLeak} but disposes what `fn` returned after reading it to arrays. */
export async function expectNoLeakRead<T>(fn: () => T | Promise<T>): Promise<unknown> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const values = await readDeep(result);
  tf.dispose(collectTensors(result));
  expect(tf.memory().numTensors, 'tensors leaked by the call').toBe(before);
  return values;
}

function collectTensors(value: unknown, seen = new Set<unknown>()): tf.Tensor[] {
  if (value instanceof tf.Tensor) return seen.has(value) ? [] : (seen.add(value), [value]);
  if (Array.isArray(value)) return value.flatMap((v) => collectTensors(v, seen));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).flatMap((v) => collectTensors(v, seen));
  }
  return [];
}

async function readDeep(value: unknown): Promise<unknown> {
  if (value instanceof tf.Tensor) return value.array();
  if (Array.isArray(value)) return Promise.all(value.map(readDeep));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await readDeep(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}
