import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../../src/kernels/names.js';
import { useBackend } from '../../src/backend/useBackend.js';
import { backendBuffers, expectAllClose, randomInput, runKernelOn, type RawInputs } from './kernelHarness.js';

const BACKENDS = ['cpu', 'wasm'] as const;

// The 2D max-pool gradient (replaced on cpu and wasm) on the same grid of geometries as the conv
// kernels: batch 1 and 3, channels 1, 3 and 16, pool 2 and 3, strides 1 and 2, same and valid,
// odd sizes; signed input and all-negative input (the windows tfjs 4.22's wasm kernel gets wrong).
const POOL_CASES: Array<{ shape: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }> = [
  { shape: [1, 7, 7, 1], size: 2, stride: 2, pad: 'same' },
  { shape: [3, 9, 8, 3], size: 2, stride: 2, pad: 'valid' },
  { shape: [1, 8, 8, 16], size: 3, stride: 1, pad: 'same' },
  { shape: [3, 11, 9, 16], size: 3, stride: 2, pad: 'valid' },
  { shape: [3, 5, 6, 1], size: 3, stride: 1, pad: 'valid' },
  { shape: [1, 9, 7, 3], size: 3, stride: 2, pad: 'same' },
];

describe('2D max-pool gradient (MaxPoolGrad)', () => {
  POOL_CASES.forEach((c, i) => {
    const x = randomInput(c.shape, 600 + i);
    const negative = { shape: x.shape, values: x.values.map((v) => -Math.abs(v) - 0.1) };
    const attrs = { filterSize: [c.size, c.size], strides: [c.stride, c.stride], pad: c.pad };
    it(`cpu and wasm = stock cpu on signed and all-negative input: ${c.shape.join('x')} k${c.size} s${c.stride} ${c.pad}`, async () => {
      for (const input of [x, negative]) {
        const output = await runKernelOn('cpu', 'MaxPool', { x: input }, attrs, true);
        const dy = randomInput(output.shape, 700 + i);
        const inputs = { dy, input, output };
        const reference = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs, true);
        for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'MaxPoolGrad', inputs, attrs), reference, `MaxPoolGrad ${b}`);
      }
    });
  });
});

/**
 * Runs a multi-output kernel on `backendName`, asserting it leaves no tensor and no backend
 * buffer behind but its outputs; returns the outputs' values.
 */
async function runMulti(backendName: 'cpu' | 'wasm', kernelName: string, inputs: RawInputs, attrs: Record<string, unknown>): Promise<Float32Array[]> {
  await useBackend(backendName);
  const tensors: tf.NamedTensorMap = {};
  for (const [name, { shape, values }] of Object.entries(inputs)) tensors[name] = tf.tensor(values.slice(), shape, 'float32');
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backendBuffers();
  const outs = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor[];
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  expect(tf.memory().numTensors, `${kernelName} on ${backendName}: tensors`).toBe(tensorsBefore + outs.length);
  expect(backendBuffers(), `${kernelName} on ${backendName}: backend buffers`).toBe(buffersBefore + outs.length);
  tf.dispose(outs);
  tf.dispose(Object.values(tensors));
  return values;
}

/**
 * Float64 training-mode batch norm over the last axis (Ioffe & Szegedy 2015, Alg. 1) and its
 * gradient: with M positions per channel, x^ = (x - mean) / sqrt(var + eps) (biased variance),
 * y = gamma x^ + beta; dbeta = sum dy, dgamma = sum dy x^,
 * dx = gamma / sqrt(var + eps) * (dy - dbeta / M - x^ dgamma / M).
 */
function batchNormReference(x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, c: number, eps: number) {
  const m = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c]! += x[i]! / m;
  for (let i = 0; i < x.length; i++) variance[i % c]! += (x[i]! - mean[i % c]!) ** 2 / m;
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % c]!) / Math.sqrt(variance[i % c]! + eps));
  const y = Float32Array.from(xhat, (v, i) => gamma[i % c]! * v + beta[i % c]!);
  const dBeta = new Float64Array(c);
  const dGamma = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    dBeta[i % c]! += dy[i]!;
    dGamma[i % c]! += dy[i]! * xhat[i]!;
  }
  const dx = Float32Array.from(x, (_, i) => {
    const k = i % c;
    return (gamma[k]! / Math.sqrt(variance[k]! + eps)) * (dy[i]! - dBeta[k]! / m - (xhat[i]! * dGamma[k]!) / m);
  });
  return { y, mean: Float32Array.from(mean), variance: Float32Array.from(variance), dx, dGamma: Float32Array.from(dGamma), dBeta: Float32Array.from(dBeta) };
}

// unet-kit's fused training batch norm (the path of its BatchNormalization layer at rank 4 and 5)
// and its gradient kernel, on cpu and wasm, against the float64 formulas: batch 1 and 3,
// channels 1, 3 and 16, odd sizes, ranks 4 and 5.
describe('fused training batch norm kernels', () => {
  const shapes = [
    [1, 5, 7, 1],
    [3, 4, 5, 3],
    [1, 3, 5, 3, 16],
    [3, 3, 2, 5, 3],
  ];
  const eps = 1e-3;
  shapes.forEach((shape, i) => {
    it(`${BATCH_NORM_TRAINING} and its gradient on cpu and wasm = the float64 formula: ${shape.join('x')}`, async () => {
      const c = shape[shape.length - 1]!;
      const x = randomInput(shape, 800 + i);
      // Per-channel scale and shift of x, so the statistics differ by channel.
      x.values.forEach((v, j) => (x.values[j] = v * (1 + (j % c)) + 0.5 * (j % 3)));
      const dy = randomInput(shape, 810 + i);
      const gamma = randomInput([c], 820 + i);
      const beta = randomInput([c], 830 + i);
      const ref = batchNormReference(x.values, dy.values, gamma.values, beta.values, c, eps);
      const v = (values: Float32Array, s: number[]) => ({ shape: s, values });
      for (const b of BACKENDS) {
        const [y, mean, variance] = await runMulti(b, BATCH_NORM_TRAINING, { x, gamma, beta }, { epsilon: eps });
        expectAllClose(v(y!, shape), v(ref.y, shape), `${b} y`);
        expectAllClose(v(mean!, [c]), v(ref.mean, [c]), `${b} mean`);
        expectAllClose(v(variance!, [c]), v(ref.variance, [c]), `${b} variance`);
        const stats = { mean: v(mean!, [c]), variance: v(variance!, [c]) };
        const [dx, dGamma, dBeta] = await runMulti(b, BATCH_NORM_TRAINING_GRAD, { dy, x, gamma, ...stats }, { epsilon: eps });
        expectAllClose(v(dx!, shape), v(ref.dx, shape), `${b} dx`);
        expectAllClose(v(dGamma!, [c]), v(ref.dGamma, [c]), `${b} dgamma`);
        expectAllClose(v(dBeta!, [c]), v(ref.dBeta, [c]), `${b} dbeta`);
      }
    });
  });
});
