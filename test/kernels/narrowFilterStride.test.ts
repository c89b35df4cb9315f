import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { stockKernel } from '../../src/kernels/index.js';
import { isNarrowFilterAtWidthStride } from '../../src/kernels/wasm/narrowFilterStride.js';
import { expectAllClose, randomInput, runKernelOn } from './kernelHarness.js';

const image = { shape: [1, 3, 4, 1], values: Float32Array.from({ length: 12 }, (_, i) => i + 1) };
const ones = (h: number, w: number) => ({ shape: [h, w, 1, 1], values: new Float32Array(h * w).fill(1) });
const attrs = (strides: number[], pad: string = 'same') => ({ strides, pad, dataFormat: 'NHWC', dilations: [1, 1] });

describe('wasm Conv2D / FusedConv2D with a one-column filter at a width stride above 1', () => {
  it('a 3x1 filter of ones at strides [1, 2] over the 3 x 4 image 1..12 gives 6, 10, 15, 21, 14, 18 (stock wasm: zeros)', async () => {
    const inputs = { x: image, filter: ones(3, 1) };
    await useBackend('wasm');
    const stock = stockKernel('Conv2D', 'wasm')!;
    const x = tf.tensor4d(image.values, [1, 3, 4, 1]);
    const f = tf.tensor4d(ones(3, 1).values, [3, 1, 1, 1]);
    const info = stock.kernelFunc({ inputs: { x, filter: f }, backend: tf.backend(), attrs: attrs([1, 2]) as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
    const stockOut = tf.engine().makeTensorFromTensorInfo(info);
    // If tfjs fixes XNNPACK's path, this fails: narrowFilterStride.ts can then go.
    expect(Array.from(await stockOut.data())).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([stockOut, x, f]);
    expect(Array.from((await runKernelOn('wasm', 'Conv2D', inputs, attrs([1, 2]))).values)).toEqual([6, 10, 15, 21, 14, 18]);
    const bias = { shape: [1], values: Float32Array.from([0.5]) };
    expect(Array.from((await runKernelOn('wasm', 'FusedConv2D', { ...inputs, bias }, { ...attrs([1, 2]), activation: 'relu' })).values)).toEqual([6.5, 10.5, 15.5, 21.5, 14.5, 18.5]);
  });

  const cases: Array<{ x: number[]; f: number[]; strides: number[]; pad: 'same' | 'valid' }> = [
    { x: [2, 7, 9, 3], f: [3, 1, 3, 4], strides: [1, 2], pad: 'same' },
    { x: [1, 8, 8, 2], f: [3, 1, 2, 5], strides: [2, 2], pad: 'same' },
    { x: [1, 6, 7, 2], f: [2, 1, 2, 3], strides: [1, 3], pad: 'valid' },
  ];
  cases.forEach((c, i) => {
    it(`= cpu, plain and fused with a bias and ReLU, leaking nothing: x ${c.x.join('x')} filter ${c.f.join('x')} strides ${c.strides.join(',')} ${c.pad}`, async () => {
      const x = randomInput(c.x, 140 + i);
      const filter = randomInput(c.f, 150 + i);
      const bias = randomInput([c.f[3]!], 160 + i);
      const reference = await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs(c.strides, c.pad));
      expect(reference.values.some((v) => v !== 0)).toBe(true);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      expectAllClose(await runKernelOn('wasm', 'Conv2D', { x, filter }, attrs(c.strides, c.pad)), reference, 'Conv2D');
      const fusedRef = await runKernelOn('cpu', 'FusedConv2D', { x, filter, bias }, { ...attrs(c.strides, c.pad), activation: 'relu' });
      expectAllClose(await runKernelOn('wasm', 'FusedConv2D', { x, filter, bias }, { ...attrs(c.strides, c.pad), activation: 'relu' }), fusedRef, 'FusedConv2D');
      await useBackend('wasm');
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('tf.conv2d and its gradients on wasm match cpu for a 3x1 filter at strides [2, 2]', async () => {
    const x = randomInput([1, 6, 6, 2], 170);
    const filter = randomInput([3, 1, 2, 3], 171);
    const run = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      const xt = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
      const ft = tf.tensor4d(filter.values, filter.shape as [number, number, number, number]);
      const f = (a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')));
      const [dx, dw] = tf.grads(f)([xt, ft]);
      const out = [Float32Array.from(await dx!.data()), Float32Array.from(await dw!.data())];
      tf.dispose([xt, ft, dx!, dw!]);
      return out;
    };
    const [cpu, wasm] = [await run('cpu'), await run('wasm')];
    expectAllClose({ shape: x.shape, values: wasm[0]! }, { shape: x.shape, values: cpu[0]! }, 'dx');
    expectAllClose({ shape: filter.shape, values: wasm[1]! }, { shape: filter.shape, values: cpu[1]! }, 'dw');
  });

  it('leaves every other call alone', () => {
    expect(isNarrowFilterAtWidthStride([3, 1, 1, 1], { strides: [1, 2], pad: 'same' })).toBe(true);
    expect(isNarrowFilterAtWidthStride([1, 1, 1, 1], { strides: [2, 2], pad: 'same' })).toBe(false);
    expect(isNarrowFilterAtWidthStride([1, 3, 1, 1], { strides: [2, 1], pad: 'same' })).toBe(false);
    expect(isNarrowFilterAtWidthStride([3, 2, 1, 1], { strides: [2, 2], pad: 'same' })).toBe(false);
    expect(isNarrowFilterAtWidthStride([3, 1, 1, 1], { strides: [1, 2], pad: 1 })).toBe(false);
  });
});
