import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { batchNormalization } from '../../src/layers/batchNormalization.js';
import { dataParallelTrainer } from '../../src/train/dataParallel/trainer.js';

type T = tfl.SymbolicTensor;

/** 8x8x1 -> conv 3x3 (2 filters, ReLU) -> [batch norm] -> pool -> up -> conv 1x1 (1 filter). */
function tinyNet(withBatchNorm: boolean): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 1] });
  let x = tfl.layers
    .conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })
    .apply(input) as T;
  if (withBatchNorm) x = batchNormalization().apply(x) as T;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as T;
  x = tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(x) as T;
  const out = tfl.layers.conv2d({ filters: 1, kernelSize: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(x) as T;
  return tfl.model({ inputs: input, outputs: out });
}

function batch(n: number): { x: tf.Tensor; y: tf.Tensor } {
  const x = tf.randomNormal([n, 8, 8, 1], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.cast(tf.greater(x, 0.2), 'float32'));
  return { x, y };
}

describe('dataParallelTrainer', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('2-worker gradients equal the single-process full-batch gradients (no batch norm)', async () => {
    const model = tinyNet(false);
    const { x, y } = batch(5); // uneven shards: 3 + 2 samples
    const expected = tf.variableGrads(
      () => tf.mean(tfl.metrics.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      model.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const trainer = await dataParallelTrainer(model, { workers: 2, loss: 'meanSquaredError', optimizer: tf.train.sgd(0.1) });
    try {
      const before = tf.memory().numTensors;
      const got = await trainer.computeGradients(x, y);
      expect(tf.memory().numTensors - Object.keys(got.grads).length).toBe(before);
      expect(got.loss).toBeCloseTo((await expected.value.data())[0]!, 5);
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(expected.grads).sort());
      for (const [name, g] of Object.entries(expected.grads)) {
        const a = await g.data();
        const b = await got.grads[name]!.data();
        expect(b.length).toBe(a.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      }
      tf.dispose(Object.values(got.grads));
      // predict splits the batch and returns the model's outputs.
      const p = await trainer.predict(x);
      const ref = model.predict(x) as tf.Tensor;
      expect(p.shape).toEqual([5, 8, 8, 1]);
      const [pa, ra] = [await p.data(), await ref.data()];
      for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i]! - ra[i]!)).toBeLessThan(1e-5);
      tf.dispose([p, ref]);
    } finally {
      await trainer.dispose();
      tf.dispose([x, y, expected.value, ...Object.values(expected.grads)]);
      model.dispose();
    }
  });

  it('Adam steps match the single-process reference; weights set between calls reach the workers', async () => {
    const model = tinyNet(false);
    const reference = tinyNet(false); // same seeds: same initial weights
    const { x, y } = batch(5);
    const lossOf = (m: tfl.LayersModel) => tf.mean(tfl.metrics.meanSquaredError(y, m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
    const referenceOptimizer = tf.train.adam(0.01);
    const trainer = await dataParallelTrainer(model, { workers: 2, loss: 'meanSquaredError', optimizer: tf.train.adam(0.01) });
    const expectClose = async (a: tf.Tensor[], b: tf.Tensor[], tolerance = 1e-5) => {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) {
        const [da, db] = [await a[i]!.data(), await b[i]!.data()];
        for (let k = 0; k < da.length; k++) expect(Math.abs(da[k]! - db[k]!)).toBeLessThan(tolerance);
      }
    };
    try {
      for (let step = 0; step < 4; step++) {
        const got = await trainer.trainOnBatch(x, y);
        const want = referenceOptimizer.minimize(() => lossOf(reference), true)!;
        expect(got).toBeCloseTo((await want.data())[0]!, 5);
        want.dispose();
      }
      await expectClose(
        model.weights.map((w) => w.read()),
        reference.weights.map((w) => w.read()),
      );
      // The workers hold the updated weights: their predictions match the main model's.
      const p = await trainer.predict(x);
      const ref = model.predict(x) as tf.Tensor;
      await expectClose([p], [ref]);
      tf.dispose([p, ref]);
      // Weights changed by the caller between calls are sent to the workers.
      const changed = model.getWeights().map((w) => tf.mul(w, 0.5));
      model.setWeights(changed);
      reference.setWeights(changed);
      tf.dispose(changed);
      const grads = await trainer.computeGradients(x, y);
      const expected = tf.variableGrads(() => lossOf(reference), reference.trainableWeights.map((w) => w.read() as tf.Variable));
      expect(grads.loss).toBeCloseTo((await expected.value.data())[0]!, 5);
      // Variable names differ between the two models: pair them by position.
      await expectClose(
        model.trainableWeights.map((w) => grads.grads[(w.read() as tf.Variable).name]!),
        reference.trainableWeights.map((w) => expected.grads[(w.read() as tf.Variable).name]!),
      );
      tf.dispose([expected.value, ...Object.values(expected.grads), ...Object.values(grads.grads)]);
    } finally {
      await trainer.dispose();
      tf.dispose([x, y]);
      model.dispose();
      reference.dispose();
      referenceOptimizer.dispose();
    }
  });

  it('lowers the loss in a few steps with unet-kit batch norm and a module loss, and updates moving statistics', async () => {
    const model = tinyNet(true);
    const { x, y } = batch(4);
    const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    const movingBefore = Array.from(await bn.getWeights()[2]!.data());
    const losses = fileURLToPath(new URL('../../src/losses/index.ts', import.meta.url));
    const trainer = await dataParallelTrainer(model, {
      loss: { module: losses, name: 'diceLoss', args: [{ activation: 'sigmoid' }] },
      optimizer: tf.train.adam(0.05),
    });
    try {
      const first = await trainer.trainOnBatch(x, y);
      let last = first;
      for (let i = 0; i < 5; i++) last = await trainer.trainOnBatch(x, y);
      expect(Number.isFinite(first)).toBe(true);
      expect(last).toBeLessThan(first);
      const movingAfter = Array.from(await bn.getWeights()[2]!.data());
      expect(movingAfter).not.toEqual(movingBefore);
    } finally {
      await trainer.dispose();
      tf.dispose([x, y]);
      model.dispose();
    }
    await expect(trainer.trainOnBatch(x, y)).rejects.toThrow(/disposed/);
  });

  it('terminates its workers: a script that never calls dispose() exits by itself', () => {
    const script = `
      import '@tensorflow/tfjs-backend-wasm';
      import * as tf from '@tensorflow/tfjs-core';
      import * as tfl from '@tensorflow/tfjs-layers';
      import { dataParallelTrainer } from ${JSON.stringify(fileURLToPath(new URL('../../src/train/dataParallel/trainer.ts', import.meta.url)))};
      await tf.setBackend('wasm'); await tf.ready();
      const input = tfl.input({ shape: [4] });
      const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1 }).apply(input) });
      const trainer = await dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer: tf.train.sgd(0.1) });
      const loss = await trainer.trainOnBatch(tf.ones([4, 4]), tf.zeros([4, 1]));
      console.log('loss', loss);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 45_000, // generous: a loaded shared machine took 16 s; a hang still fails
    });
    expect(run.error, 'the process hung').toBeUndefined();
    expect(run.stdout).toMatch(/loss \d/);
    expect(run.status).toBe(0);
  });

  it('validates its inputs', async () => {
    const model = tinyNet(false);
    const optimizer = tf.train.sgd(0.1);
    await expect(dataParallelTrainer(model, { loss: 'meanSquaredErr' as 'meanSquaredError', optimizer })).rejects.toThrow(
      /options.loss .*Did you mean 'meanSquaredError'/,
    );
    await expect(dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer, workers: 0 })).rejects.toThrow(UnetKitError);
    await expect(dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer: {} as tf.Optimizer })).rejects.toThrow(/options.optimizer/);
    await expect(dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer, worker: 2 } as never)).rejects.toThrow(/Did you mean 'workers'/);
    await expect(dataParallelTrainer({} as tfl.LayersModel, { loss: 'meanSquaredError', optimizer })).rejects.toThrow(/model/);
    await expect(dataParallelTrainer(model, { loss: { module: 'x' } as never, optimizer })).rejects.toThrow(/options.loss/);
    // A module that cannot be loaded fails at start, with the workers gone.
    await expect(dataParallelTrainer(model, { loss: { module: '/nonexistent/loss.js', name: 'f' }, optimizer, workers: 1 })).rejects.toThrow(
      /worker/,
    );
    // Browsers: a clear error.
    const g = globalThis as { window?: unknown };
    g.window = {};
    try {
      await expect(dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer })).rejects.toThrow(/Node.js worker_threads/);
    } finally {
      delete g.window;
    }
    model.dispose();
  });
});
