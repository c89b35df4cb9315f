// What the brain-demo compression scripts (prune.ts, qat.ts) share: the held-out score of a
// model through the demo's own pipeline, and a short fine-tune with the demo's augmentation.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { affine, augmentedBatches, brightness, compose, flip, foregroundCrop, gaussianNoise } from 'unet-kit/augment';
import { sliceStacks } from 'unet-kit/data';
import { keepLargestComponent, predictVolume25D, threshold } from 'unet-kit/inference';
import { diceCELoss } from 'unet-kit/losses';
import { loadBrain } from './data.js';
import { demoSettings, scoreMasks } from './run.js';

/** The brain volume, its 2.5D stacks and the held-out truth, as the full demo uses them. */
export async function demoData() {
  const settings = demoSettings(false);
  const volume = await loadBrain();
  const stacks = sliceStacks(volume.image, { axis: 0, k: settings.k });
  const truth = tf.tidy(() => tf.gather(volume.mask, tf.tensor1d(settings.testSlices, 'int32'), 1));
  return { settings, volume, stacks, truth, spacing: [...volume.spacing] };
}
export type DemoData = Awaited<ReturnType<typeof demoData>>;

/** Held-out Dice / HD95 (slices 40..61) as `npm run demo` computes them: sliding windows, threshold, largest component. */
export async function heldOut(model: tfl.LayersModel, data: DemoData) {
  const { settings } = data;
  const predict = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const probs = await predictVolume25D(predict, data.volume.image, { k: settings.k, axis: 0, slices: settings.testSlices, slidingWindow: { roiSize: [settings.crop, settings.crop], overlap: 0.5, batchSize: 16 } });
  const mask = keepLargestComponent(threshold(probs), { connectivity: 26 });
  const score = scoreMasks(mask, data.truth, data.spacing);
  tf.dispose([probs, mask]);
  return score;
}

/** Training slices (0..33) as `[N, 128, 128, k]` stacks and `[N, 128, 128, 1]` masks. */
export function trainingSet(data: DemoData): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const { volume, settings } = data;
    const masks = tf.reshape(volume.mask, [volume.mask.shape[1], volume.mask.shape[2], volume.mask.shape[3], 1]);
    const rows = tf.tensor1d(settings.trainSlices, 'int32');
    return { x: tf.gather(data.stacks, rows), y: tf.gather(masks, rows) };
  });
}

/**
 * Fine-tunes `model` (compiling it with Adam(lr) and Dice + CE) for `epochs` x the demo's 16
 * batches of 8 augmented 64x64 crops of the training slices; returns the seconds it took.
 */
export async function fineTune(model: tfl.LayersModel, data: DemoData, epochs: number, lr: number, seed = 1): Promise<number> {
  const { settings } = data;
  const { x, y } = trainingSet(data);
  const augment = compose(
    [
      [foregroundCrop([settings.crop, settings.crop], { pos: 1, neg: 1 }), 1],
      [affine({ rotation: 15, scale: [0.9, 1.1] }), 0.3],
      [flip({ axes: [1] }), 1],
      [gaussianNoise({ std: [0, 0.1] }), 0.15],
      [brightness({ range: [0.85, 1.15] }), 0.15],
    ],
    { seed },
  );
  const batches = augmentedBatches({ image: x, mask: y }, { batchSize: settings.batchSize, transform: augment, epochs: Infinity, seed });
  model.compile({ optimizer: tf.train.adam(lr), loss: diceCELoss({ activation: 'sigmoid' }) });
  const start = Date.now();
  const dataset = { size: null, iterator: async () => { const generator = batches(); return { next: async () => generator.next() }; } };
  await model.fitDataset(dataset as never, { epochs, batchesPerEpoch: settings.batchesPerEpoch, verbose: 0 });
  tf.dispose([x, y]);
  return (Date.now() - start) / 1000;
}
