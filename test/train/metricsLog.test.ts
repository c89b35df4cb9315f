import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsLog, rowsToCsv } from '../../src/train/metricsLog.js';
import { stepDecay } from '../../src/train/schedules.js';
import { describeEachBackend } from '../helpers/backends.js';
import { injectLog, tinyDense } from './fixtures.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'unet-kit-metrics-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('rowsToCsv', () => {
  it('writes the union of keys as header and leaves missing cells empty', () => {
    expect(rowsToCsv([{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.25, lr: 0.1 }])).toBe('epoch,loss,lr\n1,0.5,\n2,0.25,0.1\n');
  });
});

describeEachBackend('metricsLog', (backend) => {
  it('records every epoch in rows and rewrites JSON and CSV files', async () => {
    const { model, x, y } = tinyDense();
    const jsonPath = join(root, backend, 'nested', 'log.json');
    const csvPath = join(root, backend, 'log.csv');
    const json = metricsLog(jsonPath);
    const csv = metricsLog(csvPath);
    expect(csv.format).toBe('csv');
    const history = await model.fit(x, y, {
      epochs: 3,
      callbacks: [stepDecay({ initialLR: 0.1, stepSize: 1, gamma: 0.5 }), injectLog('val_dice', [0.1, 0.2, 0.3]), json, csv],
      verbose: 0,
    });
    expect(json.rows.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(json.rows.map((r) => r.loss)).toEqual(history.history.loss);
    expect(json.rows.map((r) => r.lr)).toEqual([0.1, 0.05, 0.025]);
    expect(json.rows.map((r) => r.val_dice)).toEqual([0.1, 0.2, 0.3]);
    expect(json.rows.every((r) => r.seconds! >= 0)).toBe(true);
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toEqual(json.rows);
    const lines = (await readFile(csvPath, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('epoch,seconds,loss,lr,val_dice');
    expect(lines.length).toBe(4);
    expect(lines[3]!.split(',')[3]).toBe('0.025');
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad arguments', () => {
    expect(() => metricsLog('')).toThrow(/metricsLog: path is ''/);
    expect(() => metricsLog('a.txt', { format: 'xml' as never })).toThrow(/options.format is 'xml'/);
  });
});
