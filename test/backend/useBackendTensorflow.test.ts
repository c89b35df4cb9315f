import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from '../../src/backend/useBackend.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../../src/kernels/names.js';
import { loadTensorflowBackend, tensorflowAvailability } from '../helpers/tensorflowBackend.js';

const where = tensorflowAvailability();

// A file of its own: loading tfjs-node registers `tensorflow` for the rest of the process, which
// useBackend.test.ts checks the absence of.
describe.runIf(where.available)('useBackend with tfjs-node present', () => {
  it("'auto' picks tensorflow, the fastest Node backend, and installs its kernels", async () => {
    loadTensorflowBackend();
    expect(await useBackend('auto')).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(tf.getKernel(BATCH_NORM_TRAINING, 'tensorflow')).toBeDefined();
    expect(tf.getKernel(BATCH_NORM_TRAINING_GRAD, 'tensorflow')).toBeDefined();
    expect(await availableBackends()).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('runs on libtensorflow: a conv2d equals the hand-computed sum', async () => {
    await useBackend('tensorflow');
    // A 3x3 all-ones filter on a 3x3 ramp, 'valid': the sum 0 + 1 + ... + 8 = 36.
    const y = tf.tidy(() => tf.conv2d(tf.reshape(tf.range(0, 9), [1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'valid'));
    expect(Array.from(await y.data())).toEqual([36]);
    y.dispose();
    const binding = (tf.engine().backend as unknown as { binding: { TF_Version: string } }).binding;
    expect(binding.TF_Version).toMatch(/^2\.\d+/);
  });
});

if (!where.available) {
  describe('useBackend with tfjs-node present', () => {
    it.skip(`skipped: ${where.reason}`, () => undefined);
  });
}
