import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { backendBuffers } from './kernelHarness.js';

describe('wasm UnsortedSegmentSum', () => {
  it('sums rows by segment id as computed by hand, dropping out-of-range ids, and leaks nothing', async () => {
    await useBackend('wasm');
    const x = tf.tensor2d([1, 2, 10, 20, 100, 200, 1000, 2000], [4, 2]);
    const ids = tf.tensor1d([2, 0, 2, 5], 'int32');
    const before = [tf.memory().numTensors, backendBuffers()];
    const y = tf.unsortedSegmentSum(x, ids, 3);
    // segment 0: row 1; segment 1: none; segment 2: rows 0 and 2; id 5 is out of range.
    expect(Array.from(await y.data())).toEqual([10, 20, 0, 0, 101, 202]);
    y.dispose();
    expect([tf.memory().numTensors, backendBuffers()]).toEqual(before);
    tf.dispose([x, ids]);
  });

  it('lets tf.gather train on wasm: its gradient equals cpu`s', async () => {
    const gradient = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      return tf.tidy(() => {
        const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
        const index = tf.tensor1d([0, 2, 2, 1, 0, 2], 'int32');
        const w = tf.tensor2d([1, -1, 2, 3, 0.5, 4, -2, 1, 7, 8, 9, 10], [6, 2]);
        return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, index), w)))(table).dataSync());
      });
    };
    const cpu = await gradient('cpu');
    expect(cpu).toEqual([8, 7, -2, 1, 11.5, 17]);
    expect(await gradient('wasm')).toEqual(cpu);
  });
});
