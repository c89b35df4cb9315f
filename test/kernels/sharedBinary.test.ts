import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { sharedBinaryKernel } from '../../src/kernels/webgpu/sharedBinary.js';

// The kernel runs on webgpu (test/browser/factories.test.ts: swinUNETR 3D's rank-5 bias adds);
// here its [-1, C] view is checked on cpu, whose stock binary kernels take any rank.
describe('sharedBinaryKernel', () => {
  it('adds a rank-1 operand to a rank-5 one, on either side, as tf.add and tf.sub do, leaking nothing', async () => {
    await useBackend('cpu');
    const x = tf.reshape(tf.range(0, 2 * 3 * 2 * 2 * 3), [2, 3, 2, 2, 3]);
    const bias = tf.tensor1d([100, 1000, 10000]);
    for (const [name, inputs, expected] of [
      [tf.Add, { a: x, b: bias }, tf.add(x, bias)],
      [tf.Sub, { a: bias, b: x }, tf.sub(bias, x)],
      [tf.Multiply, { a: x, b: tf.tensor1d([2]) }, tf.mul(x, 2)],
    ] as Array<[string, { a: tf.Tensor; b: tf.Tensor }, tf.Tensor]>) {
      const before = tf.memory().numTensors;
      const info = sharedBinaryKernel(name, 'cpu')({ inputs, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
      const y = tf.engine().makeTensorFromTensorInfo(info);
      expect(tf.memory().numTensors, name).toBe(before + 1);
      expect(y.shape).toEqual(x.shape);
      expect(Array.from(await y.data()), name).toEqual(Array.from(await expected.data()));
      tf.dispose([y, expected]);
      if (inputs.b !== x && inputs.b !== bias) inputs.b.dispose();
    }
    // Below rank 5 it is the stock kernel.
    const small = tf.ones([2, 3]);
    const info = sharedBinaryKernel(tf.Add, 'cpu')({ inputs: { a: small, b: bias }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
    const y = tf.engine().makeTensorFromTensorInfo(info);
    expect(Array.from(await y.data())).toEqual([101, 1001, 10001, 101, 1001, 10001]);
    tf.dispose([x, bias, small, y]);
  });
});
