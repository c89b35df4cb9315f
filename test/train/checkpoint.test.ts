import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkpoint } from '../../src/train/checkpoint.js';
import { modelDirHandler } from '../../src/io/modelFiles.js';
import { describeEachBackend } from '../helpers/backends.js';
import { injectLog, recordWeights, tinyDense, weightValues } from './fixtures.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'unet-kit-checkpoint-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeEachBackend('checkpoint', (backend) => {
  it('saves the best epoch; the files load with tf.loadLayersModel and hold those weights', async () => {
    const dir = join(root, backend, 'best');
    const { model, x, y } = tinyDense();
    const snapshots: number[][][] = [];
    const save = checkpoint(dir, { monitor: 'val_dice' });
    // val_dice 0.2, 0.6 (save), 0.5, 0.7 (save), 0.1: saves at epochs 0, 1, 3.
    await model.fit(x, y, { epochs: 5, callbacks: [injectLog('val_dice', [0.2, 0.6, 0.5, 0.7, 0.1]), recordWeights(() => model, snapshots), save], verbose: 0 });
    expect(save.saves).toBe(3);
    expect(save.savedEpoch).toBe(3);
    expect(save.best).toBe(0.7);
    const loaded = await tfl.loadLayersModel(modelDirHandler(dir));
    expect(weightValues(loaded)).toEqual(snapshots[3]);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: unknown };
    expect(json.modelTopology).toBeDefined();
    const a = loaded.predict(x) as tf.Tensor;
    expect(a.shape).toEqual([8, 1]);
    tf.dispose([a, x, y]);
    loaded.dispose();
    model.dispose();
  });

  it('saves every epoch with saveBestOnly: false', async () => {
    const dir = join(root, backend, 'every');
    const { model, x, y } = tinyDense();
    const save = checkpoint(dir, { saveBestOnly: false });
    await model.fit(x, y, { epochs: 3, callbacks: [save], verbose: 0 });
    expect(save.saves).toBe(3);
    const loaded = await tfl.loadLayersModel(modelDirHandler(dir));
    expect(weightValues(loaded)).toEqual(weightValues(model));
    loaded.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad arguments', () => {
    expect(() => checkpoint('')).toThrow(/checkpoint: dir is ''; expected a directory path/);
    expect(() => checkpoint('x', { saveBest: true } as never)).toThrow(/Did you mean 'saveBestOnly'/);
    expect(() => checkpoint('x', { minDelta: -1 })).toThrow(/options.minDelta is -1/);
  });
});
