// The direct WebGPU programs' shape (they run in Chromium: test/browser/factories.test.ts checks
// their values against tfjs' kernels) and the switch useBackend flips for a software adapter.
import { describe, expect, it } from 'vitest';
import { directWebgpuKernelsOn, useDirectWebgpuKernels } from '../../src/kernels/webgpu/directKernels.js';
import { directConv2DBackpropFilterProgram, directConv2DBackpropInputProgram, directConv2DProgram, directMatMulProgram, directRowReduceProgram, directSoftmaxProgram } from '../../src/kernels/webgpu/directPrograms.js';

describe('direct WebGPU programs', () => {
  it('dispatch one invocation per output element, 64 a workgroup, a second axis past 65535 workgroups', () => {
    const small = directConv2DProgram([2, 16, 16, 4], false, 'linear');
    expect(small.dispatch).toEqual([Math.ceil((2 * 16 * 16 * 4) / 64), 1, 1]);
    expect(small.workgroupSize).toEqual([64, 1, 1]);
    expect(small.dispatchLayout).toEqual({ x: [0, 1, 2, 3] });
    // 2 x 512 x 512 x 32 = 16.8M outputs: 262144 workgroups, as 65535 x 5.
    const large = directConv2DProgram([2, 512, 512, 32], false, 'linear');
    expect(large.dispatch).toEqual([65535, 5, 1]);
    expect(large.dispatch[0] * large.dispatch[1] * 64).toBeGreaterThanOrEqual(2 * 512 * 512 * 32);
  });

  it('name their inputs, uniforms and pipelines by what the shader computes', () => {
    const plain = directConv2DProgram([1, 4, 4, 2], false, 'linear');
    const fused = directConv2DProgram([1, 4, 4, 2], true, 'leakyrelu');
    expect(plain.variableNames).toEqual(['x', 'W']);
    expect(fused.variableNames).toEqual(['x', 'W', 'bias']);
    expect(fused.uniforms).toContain('alpha : f32');
    expect(new Set([plain.shaderKey, fused.shaderKey, directConv2DProgram([1, 4, 4, 2], true, 'relu').shaderKey]).size).toBe(3);
    // tfjs names an input's shape uniform in lower camel case: 'W' -> wShape.
    expect(plain.getUserCode()).toContain('uniforms.wShape[0]');
    expect(plain.getUserCode()).not.toContain('WShape');
    expect(directConv2DBackpropInputProgram([1, 4, 4, 2]).variableNames).toEqual(['dy', 'W']);
    expect(directConv2DBackpropFilterProgram([3, 3, 2, 4]).variableNames).toEqual(['x', 'dy']);
    const mm = directMatMulProgram([3, 5, 6], true, false, true, 'elu');
    expect(mm.variableNames).toEqual(['A', 'B', 'bias']);
    expect(mm.getUserCode()).toContain('getA(ba, k, c[1])');
    expect(mm.getUserCode()).toContain('uniforms.aShape[1]');
    expect(mm.shaderKey).not.toBe(directMatMulProgram([3, 5, 6], false, false, true, 'elu').shaderKey);
  });

  it('reduce one row per invocation and softmax one output per invocation, mean dividing by the row length', () => {
    const sum = directRowReduceProgram(32768, false);
    const mean = directRowReduceProgram(32768, true);
    expect(sum.outputShape).toEqual([32768]);
    expect(sum.dispatch).toEqual([512, 1, 1]);
    expect(sum.variableNames).toEqual(['x']);
    expect(sum.getUserCode()).toContain('getX(index, i)');
    expect(sum.getUserCode()).not.toContain('f32(n)');
    expect(mean.getUserCode()).toContain('acc / f32(n)');
    expect(mean.shaderKey).not.toBe(sum.shaderKey);
    const softmax = directSoftmaxProgram([32768, 2]);
    expect(softmax.outputShape).toEqual([32768, 2]);
    expect(softmax.dispatch).toEqual([1024, 1, 1]);
    // The row maximum is subtracted before exp, as tfjs and TensorFlow do, so large logits do not overflow.
    expect(softmax.getUserCode()).toContain('exp(getX(c[0], c[1]) - top) / total');
  });

  it('are off until switched on (useBackend does it for a software adapter)', () => {
    const before = directWebgpuKernelsOn();
    useDirectWebgpuKernels(true);
    expect(directWebgpuKernelsOn()).toBe(true);
    useDirectWebgpuKernels(false);
    expect(directWebgpuKernelsOn()).toBe(false);
    useDirectWebgpuKernels(before);
  });

  it('refuse a switch that is not a boolean, naming the function and the value', () => {
    expect(() => useDirectWebgpuKernels('yes' as unknown as boolean)).toThrow(/useDirectWebgpuKernels.*on.*yes/);
  });
});
