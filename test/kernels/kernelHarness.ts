import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { stockKernelFunc } from '../../src/kernels/registry.js';
import { useBackend } from '../../src/backend/useBackend.js';
import { createRng } from '../../src/core/rng.js';

/** Plain inputs of one kernel call: name -> [shape, values]. */
export type RawInputs = Record<string, { shape: number[]; values: Float32Array }>;

/** Seeded standard-normal values (half of them negative), as a kernel input. */
export function randomInput(shape: number[], seed: number): { shape: number[]; values: Float32Array } {
  const rng = createRng(seed);
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return { shape, values };
}

/** Backend buffers alive now (what a kernel that leaks intermediates would grow). */
export function backendBuffers(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

/**
 * Runs kernel `kernelName` on `backendName` with `inputs` and returns its output values.
 * `config` runs a given kernel config (e.g. the stock one) instead of the registered kernel.
 * Asserts the call leaves no tensor and no backend buffer behind.
 */
export async function runKernelOn(
  backendName: 'cpu' | 'wasm',
  kernelName: string,
  inputs: RawInputs,
  attrs: Record<string, unknown>,
  stock = false,
): Promise<{ shape: number[]; values: Float32Array }> {
  await useBackend(backendName);
  const tensors: tf.NamedTensorMap = {};
  for (const [name, { shape, values }] of Object.entries(inputs)) tensors[name] = tf.tensor(values.slice(), shape, 'float32');
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backendBuffers();
  let out: tf.Tensor;
  if (stock) {
    const backend = tf.engine().backend;
    const info = stockKernelFunc(kernelName, backendName)({ inputs: tensors, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
    out = tf.engine().makeTensorFromTensorInfo(info);
  } else {
    out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  }
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  expect(tf.memory().numTensors, `${kernelName} on ${backendName}: tensors`).toBe(tensorsBefore + 1);
  expect(backendBuffers(), `${kernelName} on ${backendName}: backend buffers`).toBe(buffersBefore + 1);
  out.dispose();
  tf.dispose(Object.values(tensors));
  return { shape, values: Float32Array.from(values) };
}

/**
 * Asserts `actual` equals `expected` to `tolerance` relative to the reference's scale:
 * `|a - e| <= tolerance * max(1, max|e|)` element-wise (sums of many products cancel, so a
 * per-element relative bound would judge rounding noise near zero).
 */
export function expectAllClose(actual: { shape: number[]; values: Float32Array }, expected: { shape: number[]; values: Float32Array }, label: string, tolerance = 1e-4): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  let scale = 1;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const d = Math.abs(actual.values[i]! - expected.values[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst / scale, `${label}: worst error ${worst} at ${at} (scale ${scale}): ${actual.values[at]} vs ${expected.values[at]}`).toBeLessThanOrEqual(tolerance);
}
