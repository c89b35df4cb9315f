import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { modelDirHandler } from '../../src/io/modelFiles.js';
import type { DemoResult } from '../../examples/brain-demo/run.js';
import { useDemoRun } from './demoRun.js';

// End to end, as `npm run demo:api -- --quick` runs it: a separate Node process.
const demo = useDemoRun('unet-kit-demo-', 'examples/brain-demo/main.ts');

describe('brain demo (--quick)', () => {
  it('prints held-out Dice and HD95', () => {
    expect(demo().stdout).toMatch(/held-out axial slices 40\.\.61/);
    expect(demo().stdout).toMatch(/Dice \d\.\d{4}\s+HD95 \d+\.\d{2} mm \(\d+\.\d{2} voxels\)/);
  });

  it('writes metrics.json with finite scores in range and the run history', async () => {
    const metrics = JSON.parse(await readFile(join(demo().out, 'metrics.json'), 'utf8')) as DemoResult;
    expect(metrics.heldOut.slices).toEqual([40, 61]);
    expect(metrics.heldOut.dice).toBeGreaterThanOrEqual(0);
    expect(metrics.heldOut.dice).toBeLessThanOrEqual(1);
    expect(Number.isFinite(metrics.heldOut.hd95mm)).toBe(true);
    expect(metrics.heldOut.hd95mm).toBeGreaterThan(0);
    expect(metrics.epochsRun).toBe(2);
    expect(metrics.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(metrics.history.every((r) => Number.isFinite(r.loss) && Number.isFinite(r.val_loss))).toBe(true);
    expect(metrics.parameters).toBeGreaterThan(0);
    const csv = await readFile(join(demo().out, 'training-log.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^epoch,seconds,/);
  });

  it('saves a model that tf.loadLayersModel reads and that predicts a 2.5D stack', async () => {
    await useBackend('cpu');
    const model = await tfl.loadLayersModel(modelDirHandler(join(demo().out, 'model')));
    const y = model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor;
    expect(y.shape).toEqual([1, 32, 32, 1]);
    tf.dispose(y);
    model.dispose();
  });

  it('writes image | truth | prediction PNG overlays', async () => {
    for (const slice of [44, 52]) {
      const file = join(demo().out, `overlay-slice-${slice}.png`);
      expect((await stat(file)).size).toBeGreaterThan(1000);
      const png = PNG.sync.read(await readFile(file));
      // three 128-pixel panels with two 4-pixel gaps, enlarged 2x.
      expect(png.width).toBe((3 * 128 + 2 * 4) * 2);
      expect(png.height).toBe(256);
    }
  });
});
