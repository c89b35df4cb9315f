import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A tiny seeded dense regressor (4 -> 3 -> 1) and 8 samples of data, for callback tests on any backend. */
export function tinyDense(optimizer: tf.Optimizer = tf.train.sgd(0.1)): { model: tfl.LayersModel; x: tf.Tensor; y: tf.Tensor } {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 3, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const x = tf.tensor2d(Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7)), [8, 4]);
  const y = tf.tensor2d(Array.from({ length: 8 }, (_, i) => Math.cos(i)), [8, 1]);
  return { model, x, y };
}

/** Flat copies of every weight of a model. */
export function weightValues(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** A callback that writes `values[epoch]` into the epoch logs under `name` (runs before later callbacks). */
export function injectLog(name: string, values: number[]): tfl.CustomCallback {
  return new tfl.CustomCallback({
    onEpochEnd: async (epoch, logs) => {
      if (logs !== undefined) (logs as Record<string, number>)[name] = values[epoch]!;
    },
  });
}

/** A callback that snapshots the model's weights at each epoch end. */
export function recordWeights(model: () => tfl.LayersModel, into: number[][][]): tfl.CustomCallback {
  return new tfl.CustomCallback({
    onEpochEnd: async () => {
      into.push(weightValues(model()));
    },
  });
}
