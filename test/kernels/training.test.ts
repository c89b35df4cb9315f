import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { tinyUNet, type TinyNetOptions } from './tinyNets.js';

const STEPS = 20;

/** Trains `options`' net for 20 steps on one fixed batch; returns the loss of every step. */
async function trainLosses(options: TinyNetOptions, batch: number): Promise<number[]> {
  const model = tinyUNet(options);
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const rng = createRng(options.seed + 1);
  const shape = [batch, ...new Array<number>(options.spatialDims).fill(options.size), 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const xs = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
  // A target the net can fit: a smooth function of the input.
  const ys = tf.tidy(() => tf.tanh(tf.mul(xs, 0.7)));
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push((await model.trainOnBatch(xs, ys)) as number);
  tf.dispose([xs, ys]);
  model.dispose();
  return losses;
}

function expectFalling(losses: number[]): void {
  expect(losses.every(Number.isFinite), `finite losses: ${losses.join(', ')}`).toBe(true);
  const first = losses[0]!;
  const last = losses[losses.length - 1]!;
  // Falls well below the start (not just noise) and the last steps are below the first steps.
  expect(last, `losses ${losses.map((l) => l.toFixed(4)).join(', ')}`).toBeLessThan(0.7 * first);
  const head = (losses[0]! + losses[1]! + losses[2]!) / 3;
  const tail = (losses[STEPS - 1]! + losses[STEPS - 2]! + losses[STEPS - 3]!) / 3;
  expect(tail).toBeLessThan(head);
}

describeEachBackend('tiny nets train (loss falls over 20 steps)', () => {
  it('2D encoder-decoder: batch norm, max pool, transposed conv, concatenated skip', async () => {
    expectFalling(await trainLosses({ spatialDims: 2, size: 8, filters: 4, depth: 2, seed: 11 }, 2));
  });

  it('2D encoder-decoder with depthwise-separable convs', async () => {
    expectFalling(await trainLosses({ spatialDims: 2, size: 8, filters: 4, depth: 2, separable: true, seed: 21 }, 2));
  });

  it('3D encoder-decoder: rank-5 batch norm, max pool, conv3dTranspose, skip', async () => {
    expectFalling(await trainLosses({ spatialDims: 3, size: 8, filters: 2, seed: 31 }, 2));
  });

  for (const spatialDims of [2, 3] as const) {
    it(`leaves no tensors and no backend buffers behind after a ${spatialDims}D training step`, async () => {
      const model = tinyUNet({ spatialDims, size: 8, filters: 2, seed: 41 });
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
      const xs = tf.ones([1, ...new Array<number>(spatialDims).fill(8), 1]);
      await model.trainOnBatch(xs, xs);
      const before = tf.memory().numTensors;
      const buffers = (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
      await model.trainOnBatch(xs, xs);
      expect(tf.memory().numTensors).toBe(before);
      expect((tf.engine().backend as unknown as { numDataIds(): number }).numDataIds()).toBe(buffers);
      xs.dispose();
      model.dispose();
    });
  }
});

it('a 3D U-Net gives the same outputs on wasm as on cpu (max pooling, transposed convs, no activation before pooling)', async () => {
  const { useBackend } = await import('../../src/backend/useBackend.js');
  for (const poolBeforeActivation of [false, true]) {
    await useBackend('cpu');
    const model = tinyUNet({ spatialDims: 3, size: 8, filters: 3, depth: 2, poolBeforeActivation, seed: 51 });
    // Non-trivial batch-norm statistics and biases, so every weight matters.
    const rng = createRng(52);
    const weights = model.weights.map((w) => {
      const isVariance = w.name.includes('moving_variance');
      const shape = w.shape as number[];
      const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => (isVariance ? 0.5 + rng.next() : rng.normal() * 0.5));
      return tf.tensor(values, shape);
    });
    model.setWeights(weights);
    tf.dispose(weights);
    const x = tf.tensor(Float32Array.from({ length: 2 * 512 }, () => rng.normal()), [2, 8, 8, 8, 1]);
    const cpu = (model.predict(x) as tf.Tensor).dataSync().slice();
    await useBackend('wasm');
    const wasmOut = model.predict(x) as tf.Tensor;
    const wasm = wasmOut.dataSync();
    let scale = 1;
    for (const v of cpu) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(wasm[i]! - cpu[i]!));
    expect(worst / scale, `poolBeforeActivation ${poolBeforeActivation}`).toBeLessThanOrEqual(1e-4);
    // Outputs of both signs reach the pools in the pre-activation variant.
    expect(cpu.some((v) => v < 0)).toBe(true);
    tf.dispose([x, wasmOut]);
    model.dispose();
  }
});
