import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, isUnetKitKernel, kernelNames, stockKernel } from '../../src/kernels/index.js';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { runKernelOn } from './kernelHarness.js';
import { stockKernelFunc } from '../../src/kernels/registry.js';

describe('installKernels', () => {
  it('replaces or adds every listed kernel on wasm and cpu through useBackend', async () => {
    await useBackend('wasm');
    await useBackend('cpu');
    for (const backend of ['wasm', 'cpu']) {
      expect(kernelNames(backend).length).toBeGreaterThan(0);
      for (const name of kernelNames(backend)) expect(isUnetKitKernel(name, backend), `${backend}/${name}`).toBe(true);
    }
    expect(kernelNames('wasm')).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPool3D', 'Conv3DBackpropInputV2', 'Conv3D']),
    );
  });

  it("lists the WebGPU Cast (int32/bool -> float32), the WebGL rank-8 Transpose, both GPUs' rank-5 Select and 'same'-padded Conv3D and pool kernels, run in Chromium by test/browser/factories.test.ts", () => {
    const conv3d = ['Conv3D', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2'];
    const pools = ['AvgPoolGrad', 'MaxPool3D', 'AvgPool3D', 'MaxPool3DGrad', 'AvgPool3DGrad'];
    expect(kernelNames('webgpu')).toEqual(['Cast', 'Select', 'PadV2', 'MirrorPad', ...conv3d, ...pools, 'Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'Sum', 'Mean', 'Softmax']);
    expect(kernelNames('webgl')).toEqual(['Transpose', 'Select', 'PadV2', 'MirrorPad', ...conv3d, ...pools]);
  });

  it('is idempotent and installs for every registered backend without an argument', async () => {
    await useBackend('wasm');
    expect(installKernels('wasm')).toEqual([]);
    expect(installKernels()).toEqual([]);
    const before = tf.getKernel('Conv3D', 'wasm')?.kernelFunc;
    installKernels('wasm');
    expect(tf.getKernel('Conv3D', 'wasm')?.kernelFunc).toBe(before);
  });

  it('rejects a backend name that is not a non-empty string with UnetKitError', () => {
    expect(() => installKernels(3 as never)).toThrow(UnetKitError);
    expect(() => installKernels('')).toThrow(/^installKernels: backendName is ''; expected a backend name such as 'wasm' or 'cpu', or nothing for every registered backend \(.*'cpu'.*\)\.$/);
  });

  it('registers the conv3dTranspose gradient once, for all backends', () => {
    installKernels('some-other-backend');
    expect(tf.getGradient('Conv3DBackpropInputV2')).toBeDefined();
  });

  it('keeps the stock kernels reachable; wasm had no Conv2DBackpropFilter', async () => {
    await useBackend('wasm');
    expect(stockKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const stock = stockKernel('MaxPool3D', 'wasm');
    expect(stock).toBeDefined();
    expect(stock!.kernelFunc).not.toBe(tf.getKernel('MaxPool3D', 'wasm')!.kernelFunc);
  });

  it('stockKernelFunc looks the stock kernel up when called and names a missing one in a UnetKitError', async () => {
    const missing = stockKernelFunc('Conv2DBackpropFilter', 'wasm');
    await useBackend('wasm');
    expect(() => missing({ inputs: {}, backend: tf.backend(), attrs: {} })).toThrow(UnetKitError);
    expect(() => missing({ inputs: {}, backend: tf.backend(), attrs: {} })).toThrow(/unet-kit kernels: kernelName is 'Conv2DBackpropFilter', which has no stock kernel on backend 'wasm'/);
  });

  // Sentinels for the tfjs 4.22 bugs the replacements exist for: if tfjs fixes one, this fails
  // and the replacement can be reconsidered.
  it('stock wasm MaxPool3D still returns FLT_MIN for an all-negative window (replacement gives the max)', async () => {
    const x = { shape: [1, 2, 2, 2, 1], values: Float32Array.from([-3, -2, -5, -1, -7, -8, -9, -4]) };
    const attrs = { filterSize: [2, 2, 2], strides: [2, 2, 2], pad: 'valid', dataFormat: 'NDHWC' };
    expect((await runKernelOn('wasm', 'MaxPool3D', { x }, attrs, true)).values[0]).toBeCloseTo(1.1754943508222875e-38, 45);
    expect((await runKernelOn('wasm', 'MaxPool3D', { x }, attrs)).values[0]).toBe(-1);
  });

  it('stock wasm Conv3DBackpropInputV2 is still wrong for stride 2 (0, 2, 0, 20 instead of 1, 2, 10, 20)', async () => {
    const dy = { shape: [1, 1, 1, 2, 1], values: Float32Array.from([1, 10]) };
    const filter = { shape: [1, 1, 2, 1, 1], values: Float32Array.from([1, 2]) };
    const attrs = { strides: [1, 1, 2], pad: 'valid', inputShape: [1, 1, 1, 4, 1] };
    expect(Array.from((await runKernelOn('wasm', 'Conv3DBackpropInputV2', { dy, filter }, attrs, true)).values)).not.toEqual([1, 2, 10, 20]);
    expect(Array.from((await runKernelOn('wasm', 'Conv3DBackpropInputV2', { dy, filter }, attrs)).values)).toEqual([1, 2, 10, 20]);
  });

  it('stock wasm MaxPoolGrad still misroutes all-negative windows', async () => {
    // One 2x2 window of negatives with its maximum (-0.5) at index 3; dy = 1 must land there.
    const input = { shape: [1, 2, 2, 1], values: Float32Array.from([-1.6, -1.5, -0.55, -0.5]) };
    const dy = { shape: [1, 1, 1, 1], values: Float32Array.from([1]) };
    const output = { shape: [1, 1, 1, 1], values: Float32Array.from([-0.5]) };
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    expect(Array.from((await runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs, true)).values)).not.toEqual([0, 0, 0, 1]);
    expect(Array.from((await runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs)).values)).toEqual([0, 0, 0, 1]);
  });
});
