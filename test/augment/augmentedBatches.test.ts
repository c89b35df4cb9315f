import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { augmentedBatches } from '../../src/augment/augmentedBatches.js';
import { brightness } from '../../src/augment/brightness.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { flat } from './helpers.js';

describeEachBackend('augmentedBatches', () => {
  it('yields shuffled, augmented {xs, ys} batches covering every sample once per epoch, without leaks', async () => {
    // Sample i has image value i and mask value i.
    const image = tf.reshape(tf.range(0, 10), [10, 1, 1, 1]);
    const mask = tf.cast(image, 'int32');
    const make = () => augmentedBatches({ image, mask }, { batchSize: 4, transform: brightness({ mode: 'add', range: [100, 100] }), seed: 1, epochs: 2 });
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const { xs, ys } of make()()) {
      const x = await flat(xs);
      expect(await flat(ys!)).toEqual(x.map((v) => v - 100));
      seen.push(...x.map((v) => v - 100));
      sizes.push(xs.shape[0]!);
      tf.dispose([xs, ys!]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(sizes).toEqual([4, 4, 2, 4, 4, 2]);
    expect([...seen.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.slice(0, 10)).not.toEqual(seen.slice(10));
    // The same seed gives the same stream.
    const again: number[] = [];
    for (const { xs, ys } of make()()) {
      again.push(...(await flat(xs)).map((v) => v - 100));
      tf.dispose([xs, ys!]);
    }
    expect(again).toEqual(seen);
    tf.dispose([image, mask]);
  });

  it('drops the remainder on request and validates options', () => {
    const image = tf.zeros([5, 2, 2, 1]);
    const batches = [...augmentedBatches({ image }, { batchSize: 2, dropRemainder: true, shuffle: false })()];
    expect(batches.map((b) => b.xs.shape[0])).toEqual([2, 2]);
    expect(batches[0]!.ys).toBeUndefined();
    tf.dispose(batches.map((b) => b.xs));
    expect(() => augmentedBatches({ image }, { batchSize: 0 })).toThrow(/augmentedBatches: options.batchSize is 0/);
    expect(() => augmentedBatches({ image }, { batchSize: 2, transform: 'flip' as never })).toThrow(/options.transform is 'flip'/);
    image.dispose();
  });

  it('draws from a given generator, so a saved generator position resumes the stream mid-way', async () => {
    const image = tf.reshape(tf.range(0, 6), [6, 1, 1, 1]);
    const order = async (batches: () => Generator<{ xs: tf.Tensor }>, epochs: number): Promise<number[]> => {
      const out: number[] = [];
      let taken = 0;
      for (const { xs } of batches()) {
        out.push(...(await flat(xs)));
        xs.dispose();
        if (++taken === 2 * epochs) break;
      }
      return out;
    };
    // Uninterrupted: 4 epochs of 2 batches from one generator.
    const whole = await order(augmentedBatches({ image }, { batchSize: 3, rng: createRng(5), epochs: 4 }), 4);
    // Interrupted after 2 epochs: the generator's state is saved, then a fresh one is moved there.
    const first = createRng(5);
    const head = await order(augmentedBatches({ image }, { batchSize: 3, rng: first, epochs: 2 }), 2);
    const resumed = createRng(0);
    resumed.setState(first.getState());
    const tail = await order(augmentedBatches({ image }, { batchSize: 3, rng: resumed, epochs: 2 }), 2);
    expect([...head, ...tail]).toEqual(whole);
    expect(() => augmentedBatches({ image }, { batchSize: 2, rng: 3 as never })).toThrow(/augmentedBatches: options.rng is 3; expected a generator from createRng/);
    expect(() => augmentedBatches({ image }, { batchSize: 2, rng: createRng(1), seed: 1 })).toThrow(/options.seed is 1; expected undefined when options.rng is given/);
    image.dispose();
  });
});
