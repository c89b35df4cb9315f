import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { coalescedTransposeKernel, coalescePermutation } from '../../src/kernels/common/coalescedTranspose.js';

// The kernel runs on webgl and webgpu (test/browser/factories.test.ts: swinUNETR 3D and unetr 3D);
// here its merging is checked on cpu, whose stock Transpose takes any rank, against tf.transpose.
describe('coalescedTranspose', () => {
  it('merges the axes a 3D window partition keeps together: rank 8 -> rank 6', () => {
    // [n, D, w, H, w, W, w, c] -> [n, D, H, W, w, w, w, c]
    expect(coalescePermutation([2, 2, 4, 2, 4, 2, 4, 3], [0, 1, 3, 5, 2, 4, 6, 7])).toEqual({ shape: [4, 4, 2, 4, 2, 12], perm: [0, 2, 4, 1, 3, 5] });
    // batch 1: the size-1 axis is dropped, the channels still ride with the last window axis.
    expect(coalescePermutation([1, 2, 4, 2, 4, 2, 4, 3], [0, 1, 3, 5, 2, 4, 6, 7])).toEqual({ shape: [2, 4, 2, 4, 2, 12], perm: [0, 2, 4, 1, 3, 5] });
    // The identity is one axis; all size-1 axes are none.
    expect(coalescePermutation([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(coalescePermutation([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it('moves every element as tf.transpose does, rank 7 and 8, leaking nothing', async () => {
    await useBackend('cpu');
    const kernel = coalescedTransposeKernel('cpu');
    const cases: [number[], number[]][] = [
      [[2, 2, 3, 2, 3, 2, 3, 2], [0, 1, 3, 5, 2, 4, 6, 7]], // window partition
      [[1, 2, 2, 2, 3, 3, 3, 2], [0, 1, 4, 2, 5, 3, 6, 7]], // patch expanding
      [[2, 3, 1, 2, 2, 3, 2], [6, 0, 2, 4, 1, 3, 5]], // a permutation with no run but the size-1 axis
      [[1, 1, 1, 1, 1, 1, 5], [6, 5, 4, 3, 2, 1, 0]], // all axes but one of size 1
    ];
    for (const [shape, perm] of cases) {
      const x = tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape);
      const before = tf.memory().numTensors;
      const info = kernel({ inputs: { x }, backend: tf.backend(), attrs: { perm } }) as tf.TensorInfo;
      const y = tf.engine().makeTensorFromTensorInfo(info);
      expect(tf.memory().numTensors).toBe(before + 1);
      const expected = tf.transpose(x, perm);
      expect(y.shape).toEqual(expected.shape);
      expect(Array.from(await y.data()), `${shape} by ${perm}`).toEqual(Array.from(await expected.data()));
      tf.dispose([x, y, expected]);
    }
  });
});
