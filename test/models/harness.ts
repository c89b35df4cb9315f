import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, vi } from 'vitest';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { claimLayers } from '../../src/layers/claimLayers.js';
import { expectNoLeak } from '../helpers/leaks.js';
// Registers unet-kit's custom layers for loading, as a user program would.
import '../../src/layers/index.js';

/**
 * Saves `model` to memory and loads it back with plain `tf.loadLayersModel`, then claims the
 * loaded model's layers as a user must for models with shared layers (r2UNet's recurrent convs):
 * tfjs counts each application of a loaded shared layer as a reference, so without
 * `claimLayers` the loaded model's `dispose()` would leave those weights allocated.
 */
export async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('nothing saved');
  // Through JSON text, as a model.json file would be.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  return claimLayers(await tfl.loadLayersModel(tf.io.fromMemory({ ...saved, modelTopology: topology })));
}

/** A seeded input batch. */
export function randomInput(shape: number[], seed = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/**
 * A fixed target for `x`: for `numClasses` 1, foreground where the first channel is positive;
 * else one-hot of (first channel > 0) over 2 classes padded with zeros.
 */
export function fixedTarget(x: tf.Tensor, numClasses: number): tf.Tensor {
  return tf.tidy(() => {
    const first = tf.slice(x, Array(x.rank).fill(0), [...x.shape.slice(0, -1), 1]);
    const fg = tf.cast(tf.greater(first, 0), 'float32');
    if (numClasses === 1) return fg;
    const bg = tf.sub(1, fg);
    const rest = tf.zeros([...x.shape.slice(0, -1), numClasses - 2]);
    return tf.concat([bg, fg, rest], -1);
  });
}

/** Outputs of a model as arrays (the model may have one or many outputs). */
export async function predictArrays(model: tfl.LayersModel, x: tf.Tensor): Promise<number[][]> {
  const out = model.predict(x) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => Array.from(await t.data())));
  tf.dispose(list);
  return values;
}

/**
 * Fits `model` for `steps` full-batch steps with Adam and returns the first and last losses
 * (each computed by `fit` in training mode just before that step's update).
 */
export async function fitLosses(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor | tf.Tensor[],
  steps: number,
  loss: string,
  learningRate = 1e-2,
): Promise<number[]> {
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss });
  try {
    const history = await model.fit(x, y, { epochs: steps, batchSize: x.shape[0], shuffle: false, verbose: 0 });
    return history.history.loss as number[];
  } finally {
    optimizer.dispose();
  }
}

/** Asserts every layer name is unique (tfjs would refuse otherwise, but say it plainly). */
export function expectUniqueNames(model: tfl.LayersModel): string[] {
  const names = model.layers.map((l) => l.name);
  expect(new Set(names).size, 'layer names are unique').toBe(names.length);
  return names;
}

/** Asserts every value is finite. */
export function expectFinite(values: ArrayLike<number>): void {
  const bad = Array.from(values).findIndex((v) => !Number.isFinite(v));
  expect(bad, `value ${bad} is not finite`).toBe(-1);
}

/**
 * Asserts `steps` full-batch Adam steps on (`x`, `y`) give finite losses, the last below the first,
 * building the model with `build` and leaving no tensors.
 */
export async function expectTrainingLowersLoss(build: () => tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number, loss = 'categoricalCrossentropy'): Promise<void> {
  await expectNoLeak(async () => {
    const model = build();
    const losses = await fitLosses(model, x, y, steps, loss);
    expectFinite(losses);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    model.dispose();
  });
}

/** Asserts the in-memory {@link roundTrip} of `build()` has its parameter count and outputs on `x`, leaving no tensors. */
export async function expectRoundTripIdentical(build: () => tfl.LayersModel, x: tf.Tensor): Promise<void> {
  await expectNoLeak(async () => {
    const model = build();
    const loaded = await roundTrip(model);
    expect(loaded.countParams()).toBe(model.countParams());
    expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
    model.dispose();
    loaded.dispose();
  });
}

/**
 * Asserts `saveModel` to `dir` then `loadModel` gives the same layer classes, parameter count,
 * weights and outputs on `x`, leaving no tensors.
 */
export async function expectFileRoundTripIdentical(build: () => tfl.LayersModel, x: tf.Tensor, dir: string): Promise<void> {
  await expectNoLeak(async () => {
    const model = build();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(loaded.countParams()).toBe(model.countParams());
    const weights = (m: tfl.LayersModel) => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    expect(await weights(loaded)).toEqual(await weights(model));
    expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
    model.dispose();
    loaded.dispose();
  });
}

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

/**
 * Fault injection: the layer creating the middle one of the weights `build` creates throws, and
 * the failed build must leave no tensors or variables behind (the factories' guarded build).
 */
export function expectHalfBuiltCleanedUp(build: () => tfl.LayersModel): void {
  const proto = tfl.layers.Layer.prototype as unknown as { addWeight: (this: unknown, ...args: unknown[]) => unknown };
  const original = proto.addWeight;
  let total = 0;
  const counter = vi.spyOn(proto, 'addWeight').mockImplementation(function (this: unknown, ...args: unknown[]) {
    total++;
    return original.apply(this, args);
  });
  build().dispose();
  counter.mockRestore();
  const before = { tensors: tf.memory().numTensors, variables: variableCount() };
  const fault = new Error('half-way');
  let calls = 0;
  const failing = vi.spyOn(proto, 'addWeight').mockImplementation(function (this: unknown, ...args: unknown[]) {
    if (++calls === Math.ceil(total / 2)) throw fault;
    return original.apply(this, args);
  });
  try {
    expect(() => build()).toThrow(fault);
  } finally {
    failing.mockRestore();
  }
  expect({ tensors: tf.memory().numTensors, variables: variableCount() }).toEqual(before);
}
