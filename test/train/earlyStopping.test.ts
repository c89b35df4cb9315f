import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { earlyStopping } from '../../src/train/earlyStopping.js';
import { describeEachBackend } from '../helpers/backends.js';
import { injectLog, recordWeights, tinyDense, weightValues } from './fixtures.js';

describeEachBackend('earlyStopping', () => {
  it('stops after patience epochs without improvement and restores the best weights', async () => {
    const { model, x, y } = tinyDense(tf.train.sgd(0.2));
    const snapshots: number[][][] = [];
    // score by epoch: 5, 3 (best, epoch 1), 4, 4.5 -> two epochs without improvement = patience 2: stop at epoch 3.
    const stop = earlyStopping({ monitor: 'score', mode: 'min', patience: 2 });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, {
      epochs: 8,
      batchSize: 4,
      callbacks: [injectLog('score', [5, 3, 4, 4.5, 6, 7, 8, 9]), recordWeights(() => model, snapshots), stop],
      verbose: 0,
    });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stop.bestEpoch).toBe(1);
    expect(stop.best).toBe(3);
    expect(stop.stoppedEpoch).toBe(3);
    // The weights changed after epoch 1, and the model is back at epoch 1's weights.
    expect(snapshots[3]).not.toEqual(snapshots[1]);
    expect(weightValues(model)).toEqual(snapshots[1]);
    // The best-weight snapshot was disposed.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("'auto' mode maximizes dice-like logs; minDelta ignores tiny gains", async () => {
    const { model, x, y } = tinyDense();
    // val_dice: 0.5, 0.8 (best), 0.8005 (gain 0.0005 < minDelta 0.001: no improvement) -> patience 1 stops at epoch 2.
    const stop = earlyStopping({ monitor: 'val_dice', patience: 1, minDelta: 0.001 });
    expect(stop.mode).toBe('max');
    const history = await model.fit(x, y, { epochs: 6, callbacks: [injectLog('val_dice', [0.5, 0.8, 0.8005, 0.9, 0.95, 0.99]), stop], verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(stop.bestEpoch).toBe(1);
    expect(earlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
    tf.dispose([x, y]);
    model.dispose();
  });

  it('keeps the last weights with restoreBestWeights: false', async () => {
    const { model, x, y } = tinyDense();
    const snapshots: number[][][] = [];
    const stop = earlyStopping({ monitor: 'score', mode: 'min', patience: 1, restoreBestWeights: false });
    await model.fit(x, y, { epochs: 5, callbacks: [injectLog('score', [1, 2, 3, 4, 5]), recordWeights(() => model, snapshots), stop], verbose: 0 });
    expect(snapshots.length).toBe(2);
    expect(weightValues(model)).toEqual(snapshots[1]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('names the missing log and suggests the closest', async () => {
    const { model, x, y } = tinyDense();
    await expect(
      model.fit(x, y, { epochs: 1, callbacks: [earlyStopping({ monitor: 'los' })], verbose: 0 }),
    ).rejects.toThrow(/earlyStopping: options.monitor is 'los', which is not in the epoch logs \(loss\). Did you mean 'loss'\?/);
    await expect(model.fit(x, y, { epochs: 1, callbacks: [earlyStopping()], verbose: 0 })).rejects.toThrow(
      /'val_loss'.*Pass validationData or validationSplit/,
    );
    expect(() => earlyStopping({ patience: -1 })).toThrow(/earlyStopping: options.patience is -1; expected an integer >= 0/);
    expect(() => earlyStopping({ mode: 'minimum' as never })).toThrow(/options.mode is 'minimum'/);
    expect(() => earlyStopping({ restoreBestWeight: true } as never)).toThrow(/Did you mean 'restoreBestWeights'/);
    tf.dispose([x, y]);
    model.dispose();
  });
});
