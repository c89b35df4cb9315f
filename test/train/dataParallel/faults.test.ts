import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backend/useBackend.js';
import { dataParallelTrainer } from '../../../src/train/dataParallel/trainer.js';

const LOSSES = fileURLToPath(new URL('../../fixtures/faultyLosses/losses.mjs', import.meta.url));

function tinyNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [4] });
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor });
}

describe('dataParallelTrainer under worker faults', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const x = () => tf.tidy(() => tf.div(tf.reshape(tf.range(0, 16), [4, 4]), 16));
  const y = () => tf.ones([4, 1]);

  it('a worker that hangs: the call rejects naming it after callTimeoutMs, dispose() returns', async () => {
    const model = tinyNet();
    const trainer = await dataParallelTrainer(model, { loss: { module: LOSSES, name: 'hangOn', args: [1] }, optimizer: tf.train.sgd(0.1), callTimeoutMs: 1500 });
    const [xs, ys] = [x(), y()];
    const started = Date.now();
    await expect(trainer.trainOnBatch(xs, ys)).rejects.toThrow(
      /^dataParallelTrainer: worker 1 did not answer its 'grad' request within options.callTimeoutMs = 1500 ms \(stuck or far too slow\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(trainer.trainOnBatch(xs, ys)).rejects.toThrow(/worker 1/);
    await trainer.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('dispose() terminates a worker stuck in a call at once, rejecting that call', async () => {
    const model = tinyNet();
    const trainer = await dataParallelTrainer(model, { loss: { module: LOSSES, name: 'hangOn', args: [0] }, optimizer: tf.train.sgd(0.1), callTimeoutMs: Infinity });
    const [xs, ys] = [x(), y()];
    const step = trainer.trainOnBatch(xs, ys);
    const settled = step.then(() => 'resolved', (e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await trainer.dispose();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await settled).toMatch(/was disposed/);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('a worker that exits: the call rejects naming the worker and its exit code', async () => {
    const model = tinyNet();
    const trainer = await dataParallelTrainer(model, { loss: { module: LOSSES, name: 'exitOn', args: [1] }, optimizer: tf.train.sgd(0.1) });
    const [xs, ys] = [x(), y()];
    await expect(trainer.trainOnBatch(xs, ys)).rejects.toThrow(/^dataParallelTrainer: worker 1 exited \(code 3\); the trainer cannot continue/);
    await trainer.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('a worker returning NaN: the step is refused naming the worker and its samples, the weights stay finite and unchanged', async () => {
    const model = tinyNet();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const trainer = await dataParallelTrainer(model, { loss: { module: LOSSES, name: 'nanOn', args: [1] }, optimizer: tf.train.sgd(0.1) });
    const [xs, ys] = [x(), y()];
    await expect(trainer.trainOnBatch(xs, ys)).rejects.toThrow(
      /^dataParallelTrainer: worker 1 returned a non-finite loss \(NaN\) for samples 2-3 of the batch; the step was not applied and the weights are unchanged/,
    );
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    await trainer.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
