// predictScan's post-processing: --largest-component keeps one piece per class, mapped back to label values.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { otherLabelValues, predictEnsemble, predictProbabilities, predictScan } from '../../src/cli/infer.js';
import type { TrainingPlan } from '../../src/cli/plan.js';
import type { Scan } from '../../src/cli/scans.js';
import { expectNoLeak } from '../helpers/leaks.js';

// A stand-in network: class 1's logit is the (z-scored) intensity, class 0's is 0, so every
// bright voxel is predicted as class 1.
const model = { predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([tf.zerosLike(x), x], -1)) } as unknown as tfl.LayersModel;

const plan = (dims: '2' | '3', patchSize: number[], labelValues = [7, 3]): TrainingPlan => ({
  dims, channels: 1, patchSize, batchSize: 2, filters: [4], model: 'unet', labelValues, modality: 'mri',
  normalization: { scheme: 'zscore' }, medianSpacing: [1, 1, 1], medianShape: [4, 8, 8], memoryBudget: 0, bytesPerSample: 0, notes: [],
});

/** A [D, 8, 8] scan with a bright 3 x 3 block at (1..3, 1..3) on every slice and a bright voxel at (6, 6) of slice 0. */
function twoBlobs(depth: number): Scan {
  const data = new Float32Array(depth * 64);
  for (let z = 0; z < depth; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) data[z * 64 + y * 8 + x] = 10;
  data[6 * 8 + 6] = 10;
  return { id: 'b', path: 'b.nii', kind: 'nifti', data, shape: [depth, 8, 8], spacing: [1, 1, 1], affine: [], niftiSpacing: [1, 1, 1] };
}

const count = (labels: Int32Array, value: number): number => labels.reduce((n, v) => n + (v === value ? 1 : 0), 0);

beforeAll(async () => {
  await useBackend('cpu');
});

describe('predictScan({ largestComponent })', () => {
  it('2D slices of a volume: drops the lone voxel (3D components), keeps the block, writes label values', async () => {
    const scan = twoBlobs(4);
    const raw = await expectNoLeak(() => predictScan(model, plan('2', [8, 8]), scan));
    expect(count(raw, 3)).toBe(4 * 9 + 1);
    const kept = await expectNoLeak(() => predictScan(model, plan('2', [8, 8]), scan, { largestComponent: true }));
    expect(count(kept, 3)).toBe(4 * 9);
    expect(kept[6 * 8 + 6]).toBe(7);
    expect(count(kept, 7)).toBe(4 * 64 - 4 * 9);
  });

  it('3D windows and a single slice (8-connected) alike', async () => {
    const kept3d = await expectNoLeak(() => predictScan(model, plan('3', [4, 8, 8]), twoBlobs(4), { largestComponent: true }));
    expect(count(kept3d, 3)).toBe(4 * 9);
    const one = await expectNoLeak(() => predictScan(model, plan('2', [8, 8]), twoBlobs(1), { largestComponent: true }));
    expect(count(one, 3)).toBe(9);
  });
});

// twoBlobs(4): 37 of 256 voxels at 10, z-scored (whole image: mean 1.4453, std 3.5163) to 2.4329
// (bright) and -0.4110 (dark). With logits [0, x] P(foreground) = sigmoid(x): 0.9194 and 0.3987.
// With logits [0, x, -x] (three classes) P(background) = 1 / (1 + e^x + e^-x): 0.0801 and 0.3153.
const threeClass = { predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([tf.zerosLike(x), x, tf.neg(x)], -1)) } as unknown as tfl.LayersModel;

describe('predictProbabilities and predictScan({ threshold })', () => {
  it('probabilities [D, H, W, C] of the hand-computed values, summing to 1', async () => {
    const probs = await predictProbabilities(model, plan('2', [8, 8]), twoBlobs(4));
    expect(probs.shape).toEqual([4, 8, 8, 2]);
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    expect(p[(1 * 8 + 1) * 2 + 1]).toBeCloseTo(0.9194, 3);
    expect(p[(0 * 8 + 0) * 2 + 1]).toBeCloseTo(0.3987, 3);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 6);
  });

  it('two classes: foreground where P(foreground) >= threshold; 0.5 is the argmax', async () => {
    const scan = twoBlobs(4);
    const at = (threshold?: number) => expectNoLeak(() => predictScan(model, plan('2', [8, 8]), scan, { threshold }));
    expect(count(await at(0.95), 3)).toBe(0);
    expect(count(await at(0.9), 3)).toBe(37);
    expect(count(await at(0.35), 3)).toBe(256);
    expect(await at(0.5)).toEqual(await at());
    // The threshold comes before the largest component: at 0.9 the lone voxel is dropped again.
    expect(count(await expectNoLeak(() => predictScan(model, plan('2', [8, 8]), scan, { threshold: 0.9, largestComponent: true })), 3)).toBe(36);
  });

  it('more classes: background unless 1 - P(background) >= threshold, then the most probable foreground class', async () => {
    const scan = twoBlobs(4);
    const p3 = plan('3', [4, 8, 8], [7, 3, 5]);
    const argmax = await expectNoLeak(() => predictScan(threeClass, p3, scan));
    expect([count(argmax, 3), count(argmax, 5), count(argmax, 7)]).toEqual([37, 219, 0]);
    const strict = await expectNoLeak(() => predictScan(threeClass, p3, scan, { threshold: 0.7 }));
    expect([count(strict, 3), count(strict, 5), count(strict, 7)]).toEqual([37, 0, 219]);
    const loose = await expectNoLeak(() => predictScan(threeClass, p3, scan, { threshold: 0.6 }));
    expect([count(loose, 3), count(loose, 5), count(loose, 7)]).toEqual([37, 219, 0]);
  });

  it('rejects a threshold outside (0, 1)', async () => {
    for (const threshold of [0, 1, NaN]) await expect(predictScan(model, plan('2', [8, 8]), twoBlobs(1), { threshold })).rejects.toThrow(/predictScan.*options.threshold.*\(0, 1\)/);
  });
});

// Ensembles: twoBlobs(4) z-scores bright to 2.4329 and dark to -0.4110 (above). The stand-in
// `model` gives P(foreground) = sigmoid(x): 0.9194 bright, 0.3987 dark; `inverted` (logits
// [x, 0]) gives 1 - that: 0.0806 and 0.6013. Their mean is exactly 0.5 everywhere.
const inverted = { predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([x, tf.zerosLike(x)], -1)) } as unknown as tfl.LayersModel;
const scaled = { predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([tf.zerosLike(x), tf.mul(x, 3)], -1)) } as unknown as tfl.LayersModel;

describe('predictEnsemble', () => {
  it('one member is predictScan; members of 2D and 3D plans average their softmax outputs', async () => {
    const scan = twoBlobs(4);
    expect(await expectNoLeak(() => predictEnsemble([{ model, plan: plan('2', [8, 8]) }], scan))).toEqual(await predictScan(model, plan('2', [8, 8]), scan));
    // model + inverted: P(foreground) 0.5 on every voxel, so a threshold just above 0.5 marks none
    // and one at 0.5 marks all (1 - P(background) >= 0.5).
    const pair = [{ model, plan: plan('2', [8, 8]) }, { model: inverted, plan: plan('3', [4, 8, 8]) }];
    expect(count(await expectNoLeak(() => predictEnsemble(pair, scan, { threshold: 0.5001 })), 3)).toBe(0);
    expect(count(await expectNoLeak(() => predictEnsemble(pair, scan, { threshold: 0.4999 })), 3)).toBe(256);
    // model + scaled (logits [0, 3x]): dark voxels sigmoid(-1.2330) = 0.2257, mean (0.3987 + 0.2257) / 2
    // = 0.3122; bright (0.9194 + 0.9993) / 2 = 0.9594. At 0.35 only the 37 bright voxels, where model alone marks all 256.
    const agree = [{ model, plan: plan('2', [8, 8]) }, { model: scaled, plan: plan('2', [8, 8]) }];
    expect(count(await expectNoLeak(() => predictEnsemble(agree, scan, { threshold: 0.35 })), 3)).toBe(37);
    expect(count(await predictScan(model, plan('2', [8, 8]), scan, { threshold: 0.35 }), 3)).toBe(256);
    expect(count(await expectNoLeak(() => predictEnsemble(agree, scan, { threshold: 0.95 })), 3)).toBe(37);
    expect(count(await expectNoLeak(() => predictEnsemble(agree, scan, { threshold: 0.97 })), 3)).toBe(0);
  });

  it('otherLabelValues: the first plan whose label values (or their order) differ from plan 0', () => {
    expect(otherLabelValues([plan('2', [8, 8]), plan('3', [4, 8, 8])])).toBeUndefined();
    expect(otherLabelValues([plan('2', [8, 8]), plan('2', [8, 8]), plan('2', [8, 8], [3, 7]), plan('2', [8, 8], [7, 4])])).toBe(2);
    expect(otherLabelValues([])).toBeUndefined();
  });

  it('rejects no members and members trained on other label values, naming them', async () => {
    await expect(predictEnsemble([], twoBlobs(1))).rejects.toThrow(/predictEnsemble.*members.*an empty array.*at least one/);
    const mixed = [{ model, plan: plan('2', [8, 8]) }, { model, plan: plan('2', [8, 8], [7, 4]) }];
    await expect(predictEnsemble(mixed, twoBlobs(1))).rejects.toThrow(/members\[1\]\.plan\.labelValues.*\[7, 4\].*\[7, 3\]/);
    await expect(predictEnsemble([{ model, plan: plan('2', [8, 8]) }], twoBlobs(1), { threshold: 2 })).rejects.toThrow(/predictEnsemble.*options.threshold/);
  });
});
