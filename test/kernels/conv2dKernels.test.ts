import { describe, expect, it } from 'vitest';
import { CONV2D_CASES, label, outSize } from './conv2dCases.js';
import { expectAllClose, randomInput, runKernelOn } from './kernelHarness.js';

// Each replacement kernel against the stock cpu kernel (the reference implementation of tfjs)
// on every geometry; the harness also asserts no tensor or backend buffer is left behind.
describe('2D convolution kernels', () => {
  CONV2D_CASES.forEach((c, i) => {
    const [oh, ow] = outSize(c);
    const x = randomInput([c.batch, c.size[0], c.size[1], c.inChannels], 100 + i);
    const dy = randomInput([c.batch, oh, ow, c.outChannels], 200 + i);
    const filterShape = [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
    const filter = randomInput(filterShape, 300 + i);
    const strides = [c.stride, c.stride];

    it(`Conv2DBackpropFilter cpu and wasm = stock cpu: ${label(c)}`, async () => {
      const attrs = { strides, pad: c.pad, dataFormat: 'NHWC', filterShape };
      const reference = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs, true);
      expectAllClose(await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs), reference, 'cpu');
      expectAllClose(await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs), reference, 'wasm');
    });

    it(`Conv2DBackpropInput cpu and wasm = stock cpu: ${label(c)}`, async () => {
      const attrs = { strides, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape };
      const reference = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs, true);
      expectAllClose(await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs), reference, 'cpu');
      expectAllClose(await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs), reference, 'wasm');
    });

    it(`Conv2D and FusedConv2D (bias + activation) on cpu = stock cpu: ${label(c)}`, async () => {
      const attrs = { strides, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
      expectAllClose(await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs), await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs, true), 'Conv2D');
      const bias = randomInput([c.outChannels], 600 + i);
      for (const activation of ['linear', 'relu', 'leakyrelu', 'relu6', 'elu', 'sigmoid']) {
        const fused = { ...attrs, activation, leakyreluAlpha: 0.1 };
        const reference = await runKernelOn('cpu', 'FusedConv2D', { x, filter, bias }, fused, true);
        expectAllClose(await runKernelOn('cpu', 'FusedConv2D', { x, filter, bias }, fused), reference, `FusedConv2D ${activation}`);
      }
    });

    it(`depthwise backprops wasm = stock cpu: ${label(c)}`, async () => {
      // Channel multiplier 2 on odd cases, 1 on even ones.
      const m = i % 2 === 0 ? 1 : 2;
      const dShape = [c.kernel[0], c.kernel[1], c.inChannels, m];
      const ddy = randomInput([c.batch, oh, ow, c.inChannels * m], 400 + i);
      const dFilter = randomInput(dShape, 500 + i);
      const common = { strides, pad: c.pad, dilations: [1, 1] };
      const refF = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy: ddy }, { ...common, filterShape: dShape }, true);
      expectAllClose(await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy: ddy }, { ...common, filterShape: dShape }), refF, 'filter');
      const refI = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy: ddy, filter: dFilter }, { ...common, inputShape: x.shape }, true);
      expectAllClose(await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy: ddy, filter: dFilter }, { ...common, inputShape: x.shape }), refI, 'input');
    });
  });

  it('Conv2D with dilation 2 on cpu = stock cpu', async () => {
    const x = randomInput([2, 11, 10, 3], 7);
    const filter = randomInput([3, 3, 3, 5], 8);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [2, 2] };
    expectAllClose(await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs), await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs, true), 'dilated');
  });

  it('depthwise backprops with dilation 2 are the adjoints of the dilated forward conv', async () => {
    // tfjs' cpu backprop kernels ignore dilation, so the reference is the identity
    // <dy, conv(x, W)> = <dW(x, dy), W> = <x, dX(dy, W)> with tfjs' (dilated) forward conv.
    const x = randomInput([2, 9, 9, 3], 1);
    const dy = randomInput([2, 9, 9, 3], 2);
    const filter = randomInput([3, 3, 3, 1], 3);
    const common = { strides: [1, 1], pad: 'same', dilations: [2, 2] };
    const y = await runKernelOn('cpu', 'DepthwiseConv2dNative', { x, filter }, common);
    const dW = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: [3, 3, 3, 1] });
    const dX = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: [2, 9, 9, 3] });
    const lhs = dot(dy.values, y.values);
    expect(Math.abs(dot(dW.values, filter.values) - lhs)).toBeLessThan(1e-4 * Math.abs(lhs));
    expect(Math.abs(dot(dX.values, x.values) - lhs)).toBeLessThan(1e-4 * Math.abs(lhs));
  });
});

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
