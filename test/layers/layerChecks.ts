// Shared checks for the custom layer suites: seeded inputs, finite-difference gradients and
// save/load round trips of a tiny model around the layer.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { expectClose } from '../helpers/numeric.js';

/** Seeded uniform values in [low, high). */
export function randomValues(size: number, seed: number, low = -1, high = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: size }, () => rng.uniform(low, high));
}

/** A seeded uniform tensor. */
export function randomTensor(shape: number[], seed: number, low = -1, high = 1): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, low, high), shape);
}

function assignValues(variable: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, variable.shape);
  variable.assign(t);
  t.dispose();
}

/** `sum(f(x) * w)`: a scalar whose gradient weights every output differently. */
function weightedSum(y: tf.Tensor, w: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, w));
}

/**
 * Compares the analytic gradient of `sum(fn(x) * w)` with respect to `x` (at `count` spread
 * entries) and with respect to each of `variables` with central finite differences,
 * (L(v + h) - L(v - h)) / 2h, in float32 with a relative tolerance (default 1e-2).
 */
export async function expectFiniteDifferenceGradients(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  options: { variables?: tf.Variable[]; count?: number; h?: number; tolerance?: number; seed?: number } = {},
): Promise<void> {
  const { variables = [], count = 10, h = 1e-2, tolerance = 1e-2, seed = 99 } = options;
  const outShape = tf.tidy(() => fn(x).shape);
  const w = randomTensor(outShape, seed);
  const loss = (input: tf.Tensor): number => tf.tidy(() => weightedSum(fn(input), w).dataSync()[0]!);

  const analyticX = tf.tidy(() => tf.grad((input: tf.Tensor) => weightedSum(fn(input), w))(x));
  const gx = analyticX.dataSync();
  const xs = Float32Array.from(x.dataSync());
  const step = Math.max(1, Math.floor(xs.length / count));
  const analytic: number[] = [];
  const numeric: number[] = [];
  for (let i = 0; i < xs.length && analytic.length < count; i += step) {
    const plus = Float32Array.from(xs);
    const minus = Float32Array.from(xs);
    plus[i]! += h;
    minus[i]! -= h;
    const tp = tf.tensor(plus, x.shape);
    const tm = tf.tensor(minus, x.shape);
    numeric.push((loss(tp) - loss(tm)) / (2 * h));
    analytic.push(gx[i]!);
    tf.dispose([tp, tm]);
  }
  analyticX.dispose();
  expectClose(analytic, numeric, tolerance, 'd loss / d input');

  if (variables.length > 0) {
    const { grads } = tf.variableGrads(() => weightedSum(fn(x), w), variables);
    for (const variable of variables) {
      const g = grads[variable.name]!.dataSync();
      const original = Float32Array.from(variable.dataSync());
      const a: number[] = [];
      const n: number[] = [];
      for (let i = 0; i < original.length; i++) {
        const plus = Float32Array.from(original);
        const minus = Float32Array.from(original);
        plus[i]! += h;
        minus[i]! -= h;
        assignValues(variable, plus);
        const lp = loss(x);
        assignValues(variable, minus);
        const lm = loss(x);
        n.push((lp - lm) / (2 * h));
        a.push(g[i]!);
      }
      assignValues(variable, original);
      expectClose(a, n, tolerance, `d loss / d ${variable.name}`);
    }
    tf.dispose(Object.values(grads));
  }
  w.dispose();
}

/** A plain-JSON view of a layer's entry in a saved model topology. */
export interface SavedLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * Saves `model` with `saveModel` to a temporary directory and through an in-memory
 * `tf.io.withSaveHandler` / `tf.io.fromMemory` pair, loads both, and asserts the three models'
 * outputs on `x` are bitwise equal. Returns the saved topology's layers for config checks.
 */
export async function expectExactRoundTrips(model: tfl.LayersModel, x: tf.Tensor): Promise<SavedLayer[]> {
  const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice());
  const dir = await mkdtemp(join(tmpdir(), 'unet-kit-layer-'));
  try {
    const before = tf.memory().numTensors;
    await saveModel(model, dir);
    expect(tf.memory().numTensors, 'saveModel leaked tensors').toBe(before);
    const fromDisk = await loadModel(dir);
    const diskOut = tf.tidy(() => (fromDisk.predict(x) as tf.Tensor).dataSync().slice());
    expect(Array.from(diskOut)).toEqual(Array.from(expected));
    fromDisk.dispose();
    expect(tf.memory().numTensors, 'a loaded and disposed model leaves no tensors').toBe(before);

    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const fromMemory = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const memoryOut = tf.tidy(() => (fromMemory.predict(x) as tf.Tensor).dataSync().slice());
    expect(Array.from(memoryOut)).toEqual(Array.from(expected));
    fromMemory.dispose();

    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: SavedLayer[] } };
    };
    return json.modelTopology.config.layers;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tiny seeded model: input -> 3x3 conv (`filters`) -> `layer`. */
export function convThen(layer: tfl.layers.Layer, inputShape: number[], filters: number, seed = 7): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  const conv =
    inputShape.length === 4
      ? tfl.layers.conv3d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'ones' })
      : tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'ones' });
  const output = layer.apply(conv.apply(input)) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/** Sets every weight of `layer` to seeded random values (so a round trip has something to carry). */
export function randomizeWeights(layer: tfl.layers.Layer, seed: number): void {
  const values = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, 0.5, 1.5));
  layer.setWeights(values);
  tf.dispose(values);
}

/**
 * Independent float64 group norm over channels-last data: per sample n and group g, the mean
 * and biased variance of every position and every channel of the group, then
 * gamma_c * (x - mean) / sqrt(var + eps) + beta_c.
 */
export function groupNormReference(
  x: ArrayLike<number>,
  shape: number[],
  groups: number,
  epsilon: number,
  gamma?: ArrayLike<number>,
  beta?: ArrayLike<number>,
): number[] {
  const n = shape[0]!;
  const c = shape[shape.length - 1]!;
  const positions = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  const perGroup = c / groups;
  const out = new Array<number>(x.length);
  for (let s = 0; s < n; s++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < positions; p++) for (let k = g * perGroup; k < (g + 1) * perGroup; k++) idx.push((s * positions + p) * c + k);
      const mean = idx.reduce((a, i) => a + x[i]!, 0) / idx.length;
      const variance = idx.reduce((a, i) => a + (x[i]! - mean) ** 2, 0) / idx.length;
      for (const i of idx) {
        const ch = i % c;
        out[i] = (gamma?.[ch] ?? 1) * ((x[i]! - mean) / Math.sqrt(variance + epsilon)) + (beta?.[ch] ?? 0);
      }
    }
  }
  return out;
}
