import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RELU_GRAD } from '../../src/kernels/names.js';
import { isUnetKitKernel } from '../../src/kernels/registry.js';
import { activateTestBackend } from '../helpers/backends.js';
import { tensorflowAvailability } from '../helpers/tensorflowBackend.js';
import { expectClose } from '../helpers/numeric.js';
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

  it('FusedConv2D as native Conv2D + BiasAdd + activation: forward and gradients equal the unfused ops within 1e-5', async () => {
    await activateTestBackend('tensorflow');
    expect(isUnetKitKernel(tf.FusedConv2D, 'tensorflow')).toBe(true);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4], 0, 0.5, 'float32', 2);
    const b = tf.randomNormal([4], 0, 0.5, 'float32', 3);
    const dy = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 4);
    const reference: Record<string, (t: tf.Tensor) => tf.Tensor> = { linear: (t) => t, relu: tf.relu, relu6: tf.relu6, elu: tf.elu, sigmoid: tf.sigmoid, leakyrelu: (t) => tf.leakyRelu(t, 0.1) };
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    for (const [activation, act] of Object.entries(reference)) {
      for (const pad of ['same', 'valid'] as const) {
        const stride = pad === 'same' ? 2 : 1;
        const fused = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.fused.conv2d({ x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, bias: bi, strides: stride, pad, activation: activation as 'relu', leakyreluAlpha: 0.1 });
        const plain = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => act(tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, pad), bi));
        const dyFor = pad === 'same' ? dy : tf.ones([2, 6, 6, 4]);
        const [yF, yP] = [fused(x, w, b), tf.tidy(() => plain(x, w, b))];
        expectClose(await yF.data(), await yP.data(), 1e-5, `${activation}/${pad} forward`);
        const gF = tf.grads(fused)([x, w, b], dyFor);
        const gP = tf.grads(plain)([x, w, b], dyFor);
        for (let i = 0; i < 3; i++) expectClose(await gF[i]!.data(), await gP[i]!.data(), 1e-5, `${activation}/${pad} gradient ${i}`);
        tf.dispose([yF, yP, ...gF, ...gP]);
        if (dyFor !== dy) dyFor.dispose();
      }
    }
    // No bias: the conv alone.
    const noBias = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same' });
    const conv = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    expectClose(await noBias.data(), await conv.data(), 1e-6, 'no bias');
    tf.dispose([noBias, conv]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    // Explicit padding and prelu: the stock kernel.
    const explicit = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]], bias: b });
    const explicitRef = tf.tidy(() => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), b));
    expectClose(await explicit.data(), await explicitRef.data(), 1e-5, 'explicit padding');
    tf.dispose([x, w, b, dy, explicit, explicitRef]);
  });

  it('Sum over the leading axes as BiasAddGrad: equals a matmul with ones within 1e-5; other axes and dtypes through the stock kernel', async () => {
    await activateTestBackend('tensorflow');
    expect(isUnetKitKernel(tf.Sum, 'tensorflow')).toBe(true);
    const x4 = tf.randomNormal([2, 8, 8, 5], 0, 1, 'float32', 5);
    const x5 = tf.randomNormal([2, 3, 4, 4, 3], 0, 1, 'float32', 6);
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    for (const [x, axis, keepDims] of [[x4, [0, 1, 2], false], [x4, [2, 0, 1], true], [x5, [0, 1, 2, 3], false], [x5, [-5, -4, -3, -2], true]] as const) {
      const c = x.shape[x.rank - 1]!;
      const mine = tf.sum(x, [...axis], keepDims);
      // An independent path: ones[1, pixels] x X[pixels, C].
      const ref = tf.tidy(() => tf.matMul(tf.ones([1, x.size / c]), tf.reshape(x, [x.size / c, c])));
      expect(mine.shape).toEqual(keepDims ? [...new Array<number>(x.rank - 1).fill(1), c] : [c]);
      expectClose(await mine.data(), await ref.data(), 1e-5, `sum over ${axis.join(',')}`);
      tf.dispose([mine, ref]);
    }
    // Not all leading axes: the stock kernel (checked against the same sum taken in two steps).
    const inner = tf.sum(x4, [1, 2]);
    const twoSteps = tf.tidy(() => tf.sum(tf.sum(x4, 2), 1));
    expectClose(await inner.data(), await twoSteps.data(), 1e-5, 'sum over 1,2');
    const int = tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32');
    const ints = tf.sum(int, 0);
    expect(await ints.array()).toEqual([4, 6]);
    tf.dispose([inner, twoSteps, int, ints]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    tf.dispose([x4, x5]);
  });

  it('the ReLU gradient as one ReluGrad: equals dy * step(x) within 1e-6, and its own gradient is the same mask', async () => {
    await activateTestBackend('tensorflow');
    expect(tf.getKernel(RELU_GRAD, 'tensorflow')).toBeDefined();
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 8);
    const dy = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 9);
    const tensors = tf.memory().numTensors;
    const dx = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    const ref = tf.tidy(() => tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32')));
    expectClose(await dx.data(), await ref.data(), 1e-6, 'dx');
    // Second order: d/d(dy) of sum(ReluGrad(dy, x) * w) is w masked by x > 0.
    const w = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 10);
    const ddy = tf.grad((g: tf.Tensor) => tf.sum(tf.mul(tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor, w)))(dy);
    const ddyRef = tf.tidy(() => tf.mul(w, tf.cast(tf.greater(x, 0), 'float32')));
    expectClose(await ddy.data(), await ddyRef.data(), 1e-6, 'second order');
    tf.dispose([dx, ref, w, ddy, ddyRef]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, dy]);
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
