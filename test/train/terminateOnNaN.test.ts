import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel } from '../../src/io/modelFiles.js';
import { checkpoint } from '../../src/train/checkpoint.js';
import { earlyStopping } from '../../src/train/earlyStopping.js';
import { terminateOnNaN } from '../../src/train/terminateOnNaN.js';
import { describeEachBackend } from '../helpers/backends.js';
import { injectLog, tinyDense, weightValues } from './fixtures.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'unet-kit-nan-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A callback that turns every weight NaN at the end of epoch `at` (a diverged step, made exact). */
function poisonAt(model: () => tfl.LayersModel, at: number): tfl.CustomCallback {
  return new tfl.CustomCallback({
    onEpochEnd: async (epoch) => {
      if (epoch !== at) return;
      const poisoned = model().getWeights().map((w) => tf.fill(w.shape, NaN));
      model().setWeights(poisoned);
      tf.dispose(poisoned);
    },
  });
}

describeEachBackend('NaN defence', () => {
  it('terminateOnNaN stops fit at the first non-finite batch loss (learning rate 1e3 diverges)', async () => {
    const { model, x, y } = tinyDense(tf.train.sgd(1e3));
    const stop = terminateOnNaN();
    const history = await model.fit(x, y, { epochs: 50, batchSize: 2, callbacks: [stop], verbose: 0 });
    expect(stop.stoppedBatch).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(stop.value)).toBe(false);
    // fit ended in the epoch of the NaN, not after 50
    expect(history.epoch.length).toBe(stop.stoppedEpoch + 1);
    expect(history.epoch.length).toBeLessThan(50);
    expect(() => terminateOnNaN({ verbos: true } as never)).toThrow(/Did you mean 'verbose'/);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('earlyStopping: a NaN first epoch is never best; the best finite epoch is restored', async () => {
    const { model, x, y } = tinyDense();
    const stop = earlyStopping({ monitor: 'score', mode: 'min', patience: 2 });
    const snapshots: number[][][] = [];
    const record = new tfl.CustomCallback({ onEpochEnd: async () => void snapshots.push(weightValues(model)) });
    await model.fit(x, y, { epochs: 5, callbacks: [injectLog('score', [NaN, 3, 2, NaN, Infinity]), record, stop], verbose: 0 });
    expect(stop.best).toBe(2);
    expect(stop.bestEpoch).toBe(2);
    expect(stop.stoppedEpoch).toBe(4);
    expect(weightValues(model)).toEqual(snapshots[2]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('checkpoint never saves a non-finite state: saveBestOnly false keeps the last finite model', async () => {
    const { model, x, y } = tinyDense();
    const dir = join(root, 'every');
    const save = checkpoint(dir, { saveBestOnly: false });
    const snapshots: number[][][] = [];
    const record = new tfl.CustomCallback({ onEpochEnd: async () => void snapshots.push(weightValues(model)) });
    await model.fit(x, y, { epochs: 4, callbacks: [record, poisonAt(() => model, 2), save], verbose: 0 });
    expect(save.saves).toBe(2);
    expect(save.savedEpoch).toBe(1);
    expect(save.skippedNonFinite).toBe(2);
    const loaded = await loadModel(dir);
    expect(weightValues(loaded)).toEqual(snapshots[1]);
    loaded.dispose();

    // saveBestOnly: a NaN and an infinite first two epochs are not saved, and are not 'best'
    const fresh = tinyDense(); // the model above has NaN weights now
    const best = checkpoint(join(root, 'best'), { monitor: 'score', mode: 'min' });
    await fresh.model.fit(fresh.x, fresh.y, { epochs: 3, callbacks: [injectLog('score', [NaN, Infinity, 1]), best], verbose: 0 });
    expect([best.saves, best.savedEpoch, best.best, best.skippedNonFinite]).toEqual([1, 2, 1, 2]);
    tf.dispose([fresh.x, fresh.y]);
    fresh.model.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('reports a monitor typo or a val_ log without validation at train begin, before the first epoch runs', async () => {
    const { model, x, y } = tinyDense();
    let epochsRun = 0;
    const count = new tfl.CustomCallback({ onEpochBegin: async () => void (epochsRun += 1) });
    await expect(model.fit(x, y, { epochs: 3, callbacks: [count, earlyStopping({ monitor: 'los' })], verbose: 0 })).rejects.toThrow(
      /^earlyStopping: options.monitor is 'los', which is not in the epoch logs \(loss\). Did you mean 'loss'\?/,
    );
    await expect(model.fit(x, y, { epochs: 3, callbacks: [count, checkpoint(join(root, 'c'))], verbose: 0 })).rejects.toThrow(
      /^checkpoint: options.monitor is 'val_loss'.*Pass validationData or validationSplit/,
    );
    expect(epochsRun).toBe(0);
    tf.dispose([x, y]);
    model.dispose();
  });
});
