import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { gpuSelectKernel } from '../../src/kernels/common/gpuSelect.js';

// The kernel runs on webgl and webgpu (test/browser/factories.test.ts: unetr 3D trains through a
// rank-5 tf.where); here its flattening is checked on cpu, whose stock Select takes any rank.
describe('gpuSelectKernel', () => {
  it('selects as tf.where does at rank 5, leaking nothing', async () => {
    await useBackend('cpu');
    const kernel = gpuSelectKernel('cpu');
    const shape = [2, 2, 3, 2, 2];
    const t = tf.reshape(tf.range(0, 48), shape);
    const e = tf.neg(t);
    {
      const condition = tf.greater(tf.reshape(tf.mod(tf.range(0, 48), 3), shape), 0);
      const before = tf.memory().numTensors;
      const info = kernel({ inputs: { condition, t, e }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
      const y = tf.engine().makeTensorFromTensorInfo(info);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual(shape);
      // i mod 3 > 0 picks t (i), else e (-i).
      const expected = Array.from({ length: 48 }, (_, i) => (i % 3 > 0 ? i : -i));
      expect(Array.from(await y.data()).map((v) => v + 0)).toEqual(expected.map((v) => v + 0));
      tf.dispose([y, condition]);
    }
    tf.dispose([t, e]);
  });
});
