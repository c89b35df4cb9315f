import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { avgPoolGradKernel, avgPoolGradScale } from '../../src/kernels/common/avgPoolGrad.js';
import { backendBuffers, expectAllClose, randomInput, runKernelOn } from './kernelHarness.js';

interface Case {
  kernel: 'AvgPool' | 'AvgPool3D';
  x: number[];
  k: number[];
  s: number[];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { kernel: 'AvgPool', x: [2, 5, 4, 3], k: [3, 3], s: [1, 1], pad: 'same' },
  { kernel: 'AvgPool', x: [1, 7, 6, 2], k: [3, 2], s: [2, 2], pad: 'same' },
  { kernel: 'AvgPool3D', x: [1, 3, 5, 4, 2], k: [3, 3, 2], s: [1, 2, 2], pad: 'same' },
  { kernel: 'AvgPool', x: [1, 6, 6, 2], k: [2, 2], s: [2, 2], pad: 'valid' },
];

const name = (c: Case) => `${c.kernel} ${c.x.join('x')} k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;
const attrsOf = (c: Case) => ({ filterSize: c.k, strides: c.s, pad: c.pad, dataFormat: c.kernel === 'AvgPool3D' ? 'NDHWC' : 'NHWC' });

/**
 * The exact gradient of the (linear) forward pool of `backend`: dx_i = sum_o dy_o * y_o(e_i),
 * the forward run on each unit vector e_i. Independent of any gradient kernel.
 */
async function transposeOfForward(backend: 'cpu' | 'wasm', c: Case, dy: Float32Array): Promise<Float32Array> {
  const size = tf.util.sizeFromShape(c.x);
  const dx = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const unit = new Float32Array(size);
    unit[i] = 1;
    const y = await runKernelOn(backend, c.kernel, { x: { shape: c.x, values: unit } }, attrsOf(c));
    dx[i] = y.values.reduce((sum, v, o) => sum + v * dy[o]!, 0);
  }
  return dx;
}

describe('average-pool gradients with the in-bounds divisor', () => {
  it('a 3x3 window at stride 1 over a 3x3 image of ones: dx at the corner is 1/4 + 2/6 + 1/9 (stock: 4/9)', async () => {
    const attrs = { filterSize: [3, 3], strides: [1, 1], pad: 'same' };
    const inputs = { dy: { shape: [1, 3, 3, 1], values: new Float32Array(9).fill(1) }, input: { shape: [1, 3, 3, 1], values: new Float32Array(9).fill(1) } };
    const corner = 1 / 4 + 2 / 6 + 1 / 9;
    const edge = 2 / 4 + 3 / 6 + 1 / 9; // the windows centred on 2 corners, 3 edges (its own too) and the centre
    expect((await runKernelOn('cpu', 'AvgPoolGrad', inputs, attrs, true)).values[0]).toBeCloseTo(4 / 9, 6);
    for (const b of ['cpu', 'wasm'] as const) {
      const dx = (await runKernelOn(b, 'AvgPoolGrad', inputs, attrs)).values;
      expect(dx[0], b).toBeCloseTo(corner, 6);
      expect(dx[1], b).toBeCloseTo(edge, 6);
      // Every output's gradient is spread over exactly its window: the total is the sum of dy.
      expect(dx.reduce((a, v) => a + v, 0), b).toBeCloseTo(9, 5);
    }
  });

  it("avgPoolGradScale is undefined where no window overhangs (the stock gradient is kept as is)", () => {
    expect(avgPoolGradScale(tf.backend_util.computePool2DInfo([1, 6, 6, 1], [2, 2], [2, 2], 1, 'valid'))).toBeUndefined();
    expect(avgPoolGradScale(tf.backend_util.computePool3DInfo([1, 4, 4, 4, 1], 2, 2, 1, 'same'))).toBeUndefined();
    expect(Array.from(avgPoolGradScale(tf.backend_util.computePool2DInfo([1, 2, 2, 1], [3, 3], [1, 1], 1, 'same'))!)).toEqual([9 / 4, 9 / 4, 9 / 4, 9 / 4]);
  });

  CASES.forEach((c, i) => {
    it(`cpu and wasm gradients = the transpose of their own forward pool: ${name(c)}`, async () => {
      const x = randomInput(c.x, 110 + i);
      for (const b of ['cpu', 'wasm'] as const) {
        const y = await runKernelOn(b, c.kernel, { x }, attrsOf(c));
        const dy = randomInput(y.shape, 120 + i);
        const expected = await transposeOfForward(b, c, dy.values);
        expectAllClose(await runKernelOn(b, `${c.kernel}Grad`, { dy, input: x }, attrsOf(c)), { shape: c.x, values: expected }, `${c.kernel}Grad ${b}`);
      }
    });
  });

  it('the GPU wrapper (over stock cpu here) scales dy and frees its temporaries', async () => {
    await useBackend('cpu');
    const c = CASES[1]!;
    const x = tf.tensor(randomInput(c.x, 130).values, c.x);
    const yShape = [1, 4, 3, 2];
    const dyValues = randomInput(yShape, 131).values;
    const dy = tf.tensor(dyValues, yShape);
    const expected = await transposeOfForward('cpu', c, dyValues);
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    const info = avgPoolGradKernel(tf.AvgPoolGrad, 'cpu')({ inputs: { dy, input: x }, backend: tf.backend(), attrs: attrsOf(c) as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
    const out = tf.engine().makeTensorFromTensorInfo(info);
    expect(tf.memory().numTensors).toBe(tensors + 1);
    expect(backendBuffers()).toBe(buffers + 1);
    expectAllClose({ shape: out.shape, values: (await out.data()) as Float32Array }, { shape: c.x, values: expected }, 'AvgPoolGrad wrapper');
    tf.dispose([out, x, dy]);
  });

  it('tf.avgPool trains with the right gradient through tf.grad (cpu)', async () => {
    await useBackend('cpu');
    const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.avgPool(a as tf.Tensor4D, 3, 1, 'same')))(x);
    expect((await g.data())[0]).toBeCloseTo(1 / 4 + 2 / 6 + 1 / 9, 6);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
