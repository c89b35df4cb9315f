import { describe, expect, it } from 'vitest';
import { expectAllClose, randomInput, runKernelOn, type RawInputs } from './kernelHarness.js';

interface Case {
  kernel: string;
  inputs: RawInputs;
  attrs: Record<string, unknown>;
  label: string;
}

const r = randomInput;

// The data-movement, reduction and element-wise replacements against the stock kernel of the
// same backend (bit-identical arithmetic, so the tolerance is float32 rounding of sums only).
const CASES: Case[] = [
  { kernel: 'Sum', inputs: { x: r([3, 5, 4, 6], 1) }, attrs: { axis: [0, 1, 2], keepDims: false }, label: 'leading axes' },
  { kernel: 'Sum', inputs: { x: r([2, 3, 4, 2, 5], 2) }, attrs: { axis: [3, 1, 0, 2], keepDims: true }, label: 'leading axes, keepDims, rank 5' },
  { kernel: 'Sum', inputs: { x: r([3, 5, 4], 3) }, attrs: { axis: [1], keepDims: false }, label: 'a middle axis (stock path)' },
  { kernel: 'Mean', inputs: { x: r([4, 3, 7], 4) }, attrs: { axis: [-3, -2], keepDims: false }, label: 'leading axes, negative' },
  { kernel: 'Mean', inputs: { x: r([4, 3, 7], 5) }, attrs: { axis: [0, 1, 2], keepDims: false }, label: 'all axes (stock path)' },
  { kernel: 'Slice', inputs: { x: r([9], 6) }, attrs: { begin: [2], size: [5] }, label: 'rank 1' },
  { kernel: 'Slice', inputs: { x: r([4, 6, 5], 7) }, attrs: { begin: [1, 2, 0], size: [2, 3, 5] }, label: 'rank 3, whole last axis' },
  { kernel: 'Slice', inputs: { x: r([2, 3, 4, 5, 6], 8) }, attrs: { begin: [1, 0, 1, 2, 3], size: [1, 3, 2, 3, 2] }, label: 'rank 5' },
  { kernel: 'Slice', inputs: { x: r([2, 3, 4, 5, 6], 9) }, attrs: { begin: [0, 1, 0, 0, 0], size: [-1, 2, -1, -1, -1] }, label: 'rank 5, size -1' },
  { kernel: 'MaxPoolGrad', inputs: { dy: r([2, 4, 4, 3], 12), input: r([2, 8, 8, 3], 13), output: r([2, 4, 4, 3], 14) }, attrs: { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }, label: '2x2 s2' },
];

for (const [kernel, symbol] of [['Add', '+'], ['Sub', '-'], ['Multiply', '*'], ['RealDiv', '/']] as const) {
  CASES.push(
    { kernel, inputs: { a: r([3, 4, 5, 6], 20), b: r([3, 4, 5, 6], 21) }, attrs: {}, label: `same shape ${symbol}` },
    { kernel, inputs: { a: r([3, 4, 5, 6], 22), b: r([6], 23) }, attrs: {}, label: `tensor ${symbol} channel vector` },
    { kernel, inputs: { a: r([1, 1, 6], 24), b: r([2, 3, 6], 25) }, attrs: {}, label: `channel vector ${symbol} tensor` },
    { kernel, inputs: { a: r([2, 3, 6], 28), b: r([], 29) }, attrs: {}, label: `tensor ${symbol} scalar` },
    { kernel, inputs: { a: r([1], 30), b: r([4, 5], 31) }, attrs: {}, label: `one-element ${symbol} tensor` },
    { kernel, inputs: { a: r([2, 3, 6], 26), b: r([3, 1], 27) }, attrs: {}, label: `other broadcast ${symbol} (stock path)` },
  );
}

describe('element, reduction and copy kernels = the stock kernel of the same backend', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    CASES.forEach((c) => {
      it(`${backend} ${c.kernel}: ${c.label}`, async () => {
        // wasm's stock MaxPoolGrad is wrong for all-negative windows: the cpu kernel is the reference.
        const referenceBackend = c.kernel === 'MaxPoolGrad' ? 'cpu' : backend;
        const reference = await runKernelOn(referenceBackend, c.kernel, c.inputs, c.attrs, true);
        const ours = await runKernelOn(backend, c.kernel, c.inputs, c.attrs);
        expectAllClose(ours, reference, `${backend} ${c.kernel}`, 1e-6);
      });
    });
  }

  it('splits (SplitV) into the right parts, in order, leaving no buffers behind', async () => {
    const { backendBuffers } = await import('./kernelHarness.js');
    const tf = await import('@tensorflow/tfjs-core');
    const { useBackend } = await import('../../src/backend/useBackend.js');
    // x[i] = i over shape [2, 2, 1, 2, 5]; parts along the last axis take channels 0-1 and 2-4
    // of every pixel (pixel p holds 5p .. 5p+4); along axis 1 the halves of each batch item.
    const shape = [2, 2, 1, 2, 5];
    const values = Float32Array.from({ length: 40 }, (_, i) => i);
    const pixels = Array.from({ length: 8 }, (_, p) => p);
    const channelParts = [pixels.flatMap((p) => [5 * p, 5 * p + 1]), pixels.flatMap((p) => [5 * p + 2, 5 * p + 3, 5 * p + 4])];
    const depthParts = [[...values.slice(0, 10), ...values.slice(20, 30)], [...values.slice(10, 20), ...values.slice(30, 40)]];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const t = tf.tensor(values, shape);
      const buffers = backendBuffers();
      const byChannel = tf.split(t, [2, 3], -1);
      const byDepth = tf.split(t, 2, 1);
      expect(byChannel.map((p) => p.shape)).toEqual([[2, 2, 1, 2, 2], [2, 2, 1, 2, 3]]);
      expect(byChannel.map((p) => Array.from(p.dataSync()))).toEqual(channelParts);
      expect(byDepth.map((p) => Array.from(p.dataSync()))).toEqual(depthParts);
      tf.dispose([...byChannel, ...byDepth]);
      expect(backendBuffers()).toBe(buffers);
      t.dispose();
    }
  });
});
