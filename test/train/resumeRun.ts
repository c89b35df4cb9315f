// The tiny training run of the exact-resume checks (test/train/trainingState.test.ts and its
// child process, test/train/resumeChild.ts): a 16x16 U-Net (filters [2, 4], batch norm) trained
// with Adam, a per-batch poly schedule and Dice + CE, on batches whose rows and flips are drawn
// from one seeded generator. Everything random is seeded, so two runs give the same bits.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, type Rng } from '../../src/core/rng.js';
import { diceCELoss } from '../../src/losses/combine.js';
import { unet } from '../../src/models/unet.js';
import { polyLR, type LearningRateScheduler } from '../../src/train/schedules.js';

// Stopped after epoch 1, Adam has taken 2 steps: there float32 pow(0.999, 3) differs from the
// step-by-step product 0.999 * 0.999 * 0.999 enough to change 1 - beta2^t, so the control of tfjs'
// own Adam.setWeights path (which recomputes it with pow) sees a difference.
export const RUN = { epochs: 4, batchesPerEpoch: 2, stopAfter: 1, batchSize: 2, samples: 6, dataSeed: 7 } as const;

/** The model, its optimizer and schedule; `seed` changes the initial weights (restore overwrites them). */
export function resumeModel(seed = 1, filters: readonly number[] = [2, 4]): { model: tfl.LayersModel; optimizer: tf.Optimizer; schedule: LearningRateScheduler } {
  const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters, seed });
  const optimizer = tf.train.adam(1e-2);
  model.compile({ optimizer, loss: diceCELoss({ activation: 'softmax' }) });
  const schedule = polyLR({ initialLR: 1e-2, totalSteps: RUN.epochs * RUN.batchesPerEpoch, per: 'batch' });
  return { model, optimizer, schedule };
}

/** Images of a bright disc at a sample-dependent place, and its one-hot mask. */
export function resumeData(): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => {
    const image = new Float32Array(RUN.samples * 256);
    const mask = new Float32Array(RUN.samples * 256 * 2);
    for (let s = 0; s < RUN.samples; s++) {
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 16; j++) {
          const inside = (i - 5 - s) ** 2 + (j - 9 + s / 2) ** 2 < 12;
          const p = s * 256 + i * 16 + j;
          image[p] = (inside ? 1 : 0) + 0.1 * Math.sin(p);
          mask[2 * p + (inside ? 1 : 0)] = 1;
        }
      }
    }
    return { x: tf.tensor4d(image, [RUN.samples, 16, 16, 1]), y: tf.tensor4d(mask, [RUN.samples, 16, 16, 2]) };
  });
}

/**
 * An endless dataset for `fitDataset` (tfjs reads any object with `iterator()`): each batch
 * takes `batchSize` rows and a left-right flip from `rng`, so the data order is the generator's.
 */
export function resumeDataset(x: tf.Tensor4D, y: tf.Tensor4D, rng: Rng): object {
  const next = (): { xs: tf.Tensor; ys: tf.Tensor } =>
    tf.tidy(() => {
      const rows = tf.tensor1d(Array.from({ length: RUN.batchSize }, () => rng.integer(0, RUN.samples)), 'int32');
      const flip = rng.bernoulli(0.5);
      const [xs, ys] = [tf.gather(x, rows), tf.gather(y, rows)];
      return flip ? { xs: tf.reverse(xs, 2), ys: tf.reverse(ys, 2) } : { xs, ys };
    });
  return { size: null, iterator: async () => ({ next: async () => ({ value: next(), done: false }) }) };
}

/** Trains epochs `initialEpoch` .. RUN.epochs - 1 (or up to `epochs`) with the schedule first among the callbacks. */
export async function trainEpochs(
  model: tfl.LayersModel,
  data: object,
  schedule: LearningRateScheduler,
  options: { initialEpoch?: number; epochs?: number; callbacks?: Array<tfl.Callback | tfl.CustomCallback> } = {},
): Promise<void> {
  await model.fitDataset(data as never, {
    epochs: options.epochs ?? RUN.epochs,
    initialEpoch: options.initialEpoch ?? 0,
    batchesPerEpoch: RUN.batchesPerEpoch,
    verbose: 0,
    callbacks: [schedule, ...(options.callbacks ?? [])] as tfl.Callback[],
  });
}

/** A fresh generator of the data order. */
export function dataRng(): Rng {
  return createRng(RUN.dataSeed);
}
