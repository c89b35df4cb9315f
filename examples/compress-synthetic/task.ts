// A small synthetic segmentation task for the compression measurements (pruning, quantization-
// aware training): 64x64 noisy images holding bright discs (the target) and equally bright
// squares (distractors), so the net must use shape, not intensity alone.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from 'unet-kit';
import { loadModel, saveModel } from 'unet-kit/io';
import { diceCELoss } from 'unet-kit/losses';
import { unet } from 'unet-kit/models';

export const SIZE = 64;

/** `count` images `[count, 64, 64, 1]` and masks (1 inside a disc), seeded. */
export function syntheticTask(count: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const rng = createRng(seed);
  const image = new Float32Array(count * SIZE * SIZE);
  const mask = new Float32Array(count * SIZE * SIZE);
  for (let n = 0; n < count; n++) {
    const base = n * SIZE * SIZE;
    const shapes = 1 + rng.integer(0, 3);
    for (let s = 0; s < shapes; s++) {
      const disc = rng.uniform(0, 1) < 0.6;
      const r = rng.uniform(5, 12);
      const cx = rng.uniform(r, SIZE - r);
      const cy = rng.uniform(r, SIZE - r);
      for (let i = 0; i < SIZE; i++) {
        for (let j = 0; j < SIZE; j++) {
          const inside = disc ? Math.hypot(i - cy, j - cx) < r : Math.abs(i - cy) < r * 0.85 && Math.abs(j - cx) < r * 0.85;
          if (!inside) continue;
          image[base + i * SIZE + j] = 1;
          if (disc) mask[base + i * SIZE + j] = 1;
        }
      }
    }
    for (let k = 0; k < SIZE * SIZE; k++) image[base + k]! += rng.normal(0, 0.35);
  }
  return { x: tf.tensor4d(image, [count, SIZE, SIZE, 1]), y: tf.tensor4d(mask, [count, SIZE, SIZE, 1]) };
}

/** Dice of the thresholded (logit > 0) prediction over the whole set. */
export function heldOutDice(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => {
    const logits = model.predict(x, { batchSize: 8 }) as tf.Tensor;
    const pred = tf.cast(tf.greater(logits, 0), 'float32');
    const inter = tf.sum(tf.mul(pred, y)).dataSync()[0]!;
    const total = tf.sum(pred).dataSync()[0]! + tf.sum(y).dataSync()[0]!;
    return total === 0 ? 1 : (2 * inter) / total;
  });
}

/** Trains with Adam(lr) on Dice + CE (sigmoid) for `epochs` passes over `x` in batches of 8. */
export async function train(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number, lr = 3e-3): Promise<number> {
  model.compile({ optimizer: tf.train.adam(lr), loss: diceCELoss({ activation: 'sigmoid' }) });
  const history = await model.fit(x, y, { epochs, batchSize: 8, shuffle: true, verbose: 0 });
  return history.history.loss!.at(-1) as number;
}

/** Median wall time of `model.predict` on one `size`x`size` image over `runs` calls (after a warm-up). */
export function inferenceMs(model: tfl.LayersModel, runs = 20, size = SIZE): number {
  const x = tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 9);
  for (let i = 0; i < 3; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    times.push(performance.now() - start);
  }
  x.dispose();
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/**
 * The float U-Net (filters [8, 16, 32], instance norm as the brain demo, any input size) trained
 * `epochs` on the task's 96 training images, saved under `dir` and reused from there by later runs.
 */
export async function baseModel(dir: string, epochs: number): Promise<{ model: tfl.LayersModel; seconds: number }> {
  if (existsSync(dir)) return { model: await loadModel(dir), seconds: 0 };
  const { x, y } = syntheticTask(96, 1);
  const model = unet({ inputShape: [null, null, 1], numClasses: 1, filters: [8, 16, 32], norm: 'instance', finalActivation: 'none', seed: 1 });
  const start = Date.now();
  await train(model, x, y, epochs);
  tf.dispose([x, y]);
  await saveModel(model, dir);
  return { model, seconds: (Date.now() - start) / 1000 };
}
