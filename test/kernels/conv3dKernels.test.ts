import { afterAll, beforeAll, describe, it } from 'vitest';
import { setConv3DFoldChunk } from '../../src/kernels/common/conv3d.js';
import { expectAllClose, randomInput, runKernelOn } from './kernelHarness.js';

interface Conv3DCase {
  batch: number;
  size: [number, number, number];
  inChannels: number;
  outChannels: number;
  kernel: [number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

// Strides 1 and 2, same and valid, odd sizes, batch 1 and 3, channels 1, 3 and 16, and the
// U-Net's k2 s2 up-convolution.
const CASES: Conv3DCase[] = [
  { batch: 1, size: [5, 5, 5], inChannels: 1, outChannels: 3, kernel: [3, 3, 3], stride: 1, pad: 'same' },
  { batch: 3, size: [6, 5, 7], inChannels: 3, outChannels: 16, kernel: [3, 3, 3], stride: 2, pad: 'same' },
  { batch: 1, size: [7, 6, 6], inChannels: 16, outChannels: 3, kernel: [3, 3, 3], stride: 1, pad: 'valid' },
  { batch: 3, size: [7, 7, 5], inChannels: 3, outChannels: 1, kernel: [3, 3, 3], stride: 2, pad: 'valid' },
  { batch: 3, size: [4, 4, 4], inChannels: 16, outChannels: 16, kernel: [2, 2, 2], stride: 2, pad: 'same' },
  { batch: 1, size: [5, 4, 3], inChannels: 3, outChannels: 3, kernel: [1, 3, 2], stride: 1, pad: 'same' },
  { batch: 1, size: [8, 8, 8], inChannels: 16, outChannels: 16, kernel: [3, 3, 3], stride: 1, pad: 'same' },
];

const outDim = (c: Conv3DCase, i: 0 | 1 | 2) =>
  c.pad === 'same' ? Math.ceil(c.size[i] / c.stride) : Math.floor((c.size[i] - c.kernel[i]) / c.stride) + 1;
const name = (c: Conv3DCase) => `b${c.batch} ${c.size.join('x')} ${c.inChannels}->${c.outChannels} k${c.kernel.join('x')} s${c.stride} ${c.pad}`;

const BACKENDS = ['cpu', 'wasm'] as const;

// The replacements (depth folded into channels around the backend's 2D kernels) on cpu and wasm
// against tfjs' stock cpu kernels; the harness also asserts no tensor or backend buffer is left
// behind.
describe('3D convolution kernels', () => {
  CASES.forEach((c, i) => {
    const x = randomInput([c.batch, ...c.size, c.inChannels], 10 + i);
    const filterShape = [...c.kernel, c.inChannels, c.outChannels];
    const filter = randomInput(filterShape, 20 + i);
    const dy = randomInput([c.batch, outDim(c, 0), outDim(c, 1), outDim(c, 2), c.outChannels], 30 + i);
    const strides = [c.stride, c.stride, c.stride];

    it(`Conv3D cpu and wasm = stock cpu: ${name(c)}`, async () => {
      const attrs = { strides, pad: c.pad, dataFormat: 'NDHWC', dilations: [1, 1, 1] };
      const reference = await runKernelOn('cpu', 'Conv3D', { x, filter }, attrs, true);
      for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'Conv3D', { x, filter }, attrs), reference, `Conv3D ${b}`);
    });

    it(`Conv3DBackpropFilterV2 cpu and wasm = stock cpu: ${name(c)}`, async () => {
      const attrs = { strides, pad: c.pad, filterShape };
      const reference = await runKernelOn('cpu', 'Conv3DBackpropFilterV2', { x, dy }, attrs, true);
      for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'Conv3DBackpropFilterV2', { x, dy }, attrs), reference, `filter ${b}`);
    });

    it(`Conv3DBackpropInputV2 cpu and wasm = stock cpu: ${name(c)}`, async () => {
      const attrs = { strides, pad: c.pad, inputShape: x.shape };
      const reference = await runKernelOn('cpu', 'Conv3DBackpropInputV2', { dy, filter }, attrs, true);
      for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'Conv3DBackpropInputV2', { dy, filter }, attrs), reference, `input ${b}`);
    });
  });

  it('Conv3D with dilation 2 in every axis = stock cpu', async () => {
    const x = randomInput([2, 7, 7, 7, 3], 1);
    const filter = randomInput([3, 3, 3, 3, 4], 2);
    const attrs = { strides: [1, 1, 1], pad: 'same', dataFormat: 'NDHWC', dilations: [2, 2, 2] };
    const reference = await runKernelOn('cpu', 'Conv3D', { x, filter }, attrs, true);
    for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'Conv3D', { x, filter }, attrs), reference, `dilated ${b}`);
  });

  it("transposes [1, 10] with kernel [1, 2] at stride 2 to 1, 2, 10, 20 (the stock wasm kernel gives 0, 2, 0, 20)", async () => {
    const dy = { shape: [1, 1, 1, 2, 1], values: Float32Array.from([1, 10]) };
    const filter = { shape: [1, 1, 2, 1, 1], values: Float32Array.from([1, 2]) };
    const attrs = { strides: [1, 1, 2], pad: 'valid', inputShape: [1, 1, 1, 4, 1] };
    const out = await runKernelOn('wasm', 'Conv3DBackpropInputV2', { dy, filter }, attrs);
    // dx[w] = sum over the input positions i with w = 2i + k of dy[i] * f[k]: 1*1, 1*2, 10*1, 10*2.
    expectAllClose(out, { shape: [1, 1, 1, 4, 1], values: Float32Array.from([1, 2, 10, 20]) }, 'transposed');
  });
});

// Above 2^25 floats the folded input goes through the 2D conv in slabs of rows: the same numbers
// with slabs of 1 row (a limit below one row), of 3 rows (a slab across two items' rows) and 5.
describe('3D convolution in slabs of the depth fold', () => {
  let previous = 0;
  beforeAll(() => {
    previous = setConv3DFoldChunk(1);
  });
  afterAll(() => {
    setConv3DFoldChunk(previous);
  });

  const cases = [CASES[1]!, CASES[2]!, CASES[6]!];
  cases.forEach((c, i) => {
    it(`Conv3D cpu and wasm in slabs = stock cpu: ${name(c)}`, async () => {
      const x = randomInput([c.batch, ...c.size, c.inChannels], 60 + i);
      const filter = randomInput([...c.kernel, c.inChannels, c.outChannels], 70 + i);
      const attrs = { strides: [c.stride, c.stride, c.stride], pad: c.pad, dataFormat: 'NDHWC', dilations: [1, 1, 1] };
      const reference = await runKernelOn('cpu', 'Conv3D', { x, filter }, attrs, true);
      const row = c.size[1] * c.size[2] * c.kernel[0] * c.inChannels;
      for (const rows of [0, 3, 5]) {
        setConv3DFoldChunk(Math.max(1, rows * row));
        for (const b of BACKENDS) expectAllClose(await runKernelOn(b, 'Conv3D', { x, filter }, attrs), reference, `Conv3D ${b}, slabs of ${Math.max(1, rows)} rows`);
      }
    });
  });
});

describe('3D max pooling on wasm', () => {
  const poolCases: Array<{ shape: number[]; size: number; stride: number; pad: 'same' | 'valid' }> = [
    { shape: [1, 4, 4, 4, 1], size: 2, stride: 2, pad: 'valid' },
    { shape: [3, 5, 6, 7, 3], size: 2, stride: 2, pad: 'same' },
    { shape: [1, 5, 5, 5, 16], size: 3, stride: 1, pad: 'same' },
    { shape: [3, 7, 6, 5, 3], size: 3, stride: 2, pad: 'valid' },
  ];
  poolCases.forEach((c, i) => {
    const x = randomInput(c.shape, 40 + i);
    // Every value negative: the windows the stock wasm kernel gets wrong.
    const negative = { shape: x.shape, values: x.values.map((v) => -Math.abs(v) - 0.1) };
    const attrs = { filterSize: [c.size, c.size, c.size], strides: [c.stride, c.stride, c.stride], pad: c.pad, dataFormat: 'NDHWC' };
    it(`MaxPool3D and MaxPool3DGrad = stock cpu on signed and all-negative input: ${c.shape.join('x')} k${c.size} s${c.stride} ${c.pad}`, async () => {
      for (const input of [x, negative]) {
        const reference = await runKernelOn('cpu', 'MaxPool3D', { x: input }, attrs, true);
        const out = await runKernelOn('wasm', 'MaxPool3D', { x: input }, attrs);
        expectAllClose(out, reference, 'MaxPool3D');
        const dy = randomInput(reference.shape, 50 + i);
        const gradAttrs = { filterSize: attrs.filterSize, strides: attrs.strides, pad: c.pad };
        const gradInputs = { dy, input, output: reference };
        const refGrad = await runKernelOn('cpu', 'MaxPool3DGrad', gradInputs, gradAttrs, true);
        expectAllClose(await runKernelOn('wasm', 'MaxPool3DGrad', gradInputs, gradAttrs), refGrad, 'MaxPool3DGrad');
      }
    });
  });
});
