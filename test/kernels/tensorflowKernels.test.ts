import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isUnetKitKernel } from '../../src/kernels/registry.js';
import { activateTestBackend } from '../helpers/backends.js';
import { tensorflowAvailability } from '../helpers/tensorflowBackend.js';
import { backendBuffers } from './kernelHarness.js';

const where = tensorflowAvailability();

describe.runIf(where.available)("unet-kit's kernels on tensorflow (tfjs-node)", () => {
  it('Step: 1 where x > 0, 0 elsewhere, NaN kept; alpha != 0 through the stock kernel', async () => {
    await activateTestBackend('tensorflow');
    expect(isUnetKitKernel(tf.Step, 'tensorflow')).toBe(true);
    const x = tf.tensor1d([Number.NaN, -1, 0, 2, -0, 1e-30]);
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    const zero = tf.step(x);
    const leaky = tf.step(x, 0.2);
    expect(Array.from(await zero.data())).toEqual([Number.NaN, 0, 0, 1, 0, 1]);
    expect(Array.from(await leaky.data()).map((v) => +v.toFixed(6))).toEqual([Number.NaN, 0.2, 0.2, 1, 0.2, 1]);
    tf.dispose([zero, leaky]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    x.dispose();
  });

  it('SearchSorted (missing in tfjs-node): left and right insertion points, as numpy.searchsorted', async () => {
    await activateTestBackend('tensorflow');
    const sorted = tf.tensor2d([[1, 3, 3, 7], [0, 2, 4, 6]]);
    const values = tf.tensor2d([[3, 0, 8], [4, 5, -1]]);
    const left = tf.searchSorted(sorted, values, 'left');
    const right = tf.searchSorted(sorted, values, 'right');
    expect(left.dtype).toBe('int32');
    expect(await left.array()).toEqual([[1, 0, 4], [2, 3, 0]]);
    expect(await right.array()).toEqual([[3, 0, 4], [3, 3, 0]]);
    tf.dispose([sorted, values, left, right]);
  });

  it('the ReLU gradient through it: dy where x > 0, else 0', async () => {
    await activateTestBackend('tensorflow');
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    const dy = tf.tensor1d([10, 20, 30, 40]);
    const dx = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    expect(Array.from(await dx.data())).toEqual([0, 0, 30, 40]);
    tf.dispose([x, dy, dx]);
  });
});

if (!where.available) {
  describe("unet-kit's kernels on tensorflow (tfjs-node)", () => {
    it.skip(`skipped: ${where.reason}`, () => undefined);
  });
}
