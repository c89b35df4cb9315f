import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { stockKernel } from '../../src/kernels/index.js';
import { expectClose } from '../helpers/numeric.js';
import { backendBuffers } from './kernelHarness.js';

beforeAll(async () => {
  await useBackend('wasm');
});

interface FusedCase {
  kernel: string;
  run: (bias: tf.Tensor1D) => tf.Tensor;
  channels: number;
}

const x = () => tf.randomNormal([1, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const CASES: FusedCase[] = [
  { kernel: 'FusedConv2D', channels: 4, run: (bias) => tf.fused.conv2d({ x: x(), filter: tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2), strides: 1, pad: 'same', bias, activation: 'relu' }) },
  { kernel: 'FusedDepthwiseConv2D', channels: 3, run: (bias) => tf.fused.depthwiseConv2d({ x: x(), filter: tf.randomNormal([3, 3, 3, 1], 0, 1, 'float32', 3), strides: 1, pad: 'same', bias }) },
  { kernel: '_FusedMatMul', channels: 4, run: (bias) => tf.fused.matMul({ a: tf.randomNormal([2, 3], 0, 1, 'float32', 4), b: tf.randomNormal([3, 4], 0, 1, 'float32', 5), bias }) },
];

describe('wasm fused kernels with a bias computed by gather or reshape', () => {
  for (const c of CASES) {
    it(`${c.kernel}: a gathered or reshaped bias gives the result of a fresh one; no buffer left behind`, async () => {
      const values = Array.from({ length: c.channels }, (_, i) => 0.5 - i * 0.3);
      const reference = tf.tidy(() => Array.from(c.run(tf.tensor1d(values)).dataSync()));
      const buffers = backendBuffers();
      const fromGather = tf.tidy(() => {
        const wide = tf.tensor1d([...values, 9]);
        return Array.from(c.run(tf.gather(wide, tf.range(0, c.channels, 1, 'int32')) as tf.Tensor1D).dataSync());
      });
      const fromReshape = tf.tidy(() => Array.from(c.run(tf.reshape(tf.tensor2d([values]), [c.channels])).dataSync()));
      expect(backendBuffers()).toBe(buffers);
      expectClose(fromGather, reference, 1e-6);
      expectClose(fromReshape, reference, 1e-6);
    });
  }

  it('the stock FusedConv2D still rejects a gathered rank-1 bias (docs/tfjs-gaps.md; delete the fix when this fails)', () => {
    const config = stockKernel('FusedConv2D', 'wasm')!;
    tf.tidy(() => {
      const bias = tf.gather(tf.tensor1d([1, 2]), tf.tensor1d([0, 1], 'int32'));
      const inputs = { x: tf.ones([1, 2, 2, 1]), filter: tf.ones([1, 1, 1, 2]), bias };
      const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined, activation: 'linear' };
      expect(() => config.kernelFunc({ inputs, attrs: attrs as never, backend: tf.backend() })).toThrow(/only supports rank-1 bias but got rank 4/);
    });
  });
});
