// Planning and argument parsing: the numbers the planner derives, by hand.
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../src/cli/args.js';
import { bytesPerSample, makePlan, planLevels, planPatchSize } from '../../src/cli/plan.js';
import type { Scan } from '../../src/cli/scans.js';
import { caseId, pairByCase } from '../../src/cli/scans.js';
import { splitCases } from '../../src/cli/train.js';
import { createRng } from '../../src/core/rng.js';
import { normalizeScan, sampleBatch, trainingCase } from '../../src/cli/volumes.js';
import { UnetKitError } from '../../src/core/errors.js';

function scan(id: string, shape: [number, number, number], spacing: [number, number, number], fill: (i: number) => number): Scan {
  const data = Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, i) => fill(i));
  return { id, path: `${id}.nii.gz`, kind: 'nifti', data, shape, spacing, affine: [], niftiSpacing: [spacing[2], spacing[1], spacing[0]] };
}

describe('planPatchSize', () => {
  it('keeps an image under the budget whole, rounded down to the down-sampling multiple', () => {
    expect(planPatchSize([62, 128, 128], [1.5, 1, 1], 2, 4)).toEqual([128, 128]);
    expect(planPatchSize([10, 20, 25], [1, 1, 1], 2, 2)).toEqual([20, 24]);
  });
  it('shrinks the axis longest in mm first (anisotropic 3D: the 2 mm z axis goes first)', () => {
    // 128 x 128 x 128 at z = 2 mm: z is 256 mm long, so it shrinks until z * 2 <= y * 1 ...
    const patch = planPatchSize([128, 128, 128], [2, 1, 1], 3, 4);
    expect(patch.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(64 ** 3);
    expect(patch[0]).toBeLessThan(patch[1]!);
    expect(patch.every((p) => p % 8 === 0)).toBe(true);
  });
  it('pools while the bottom stays >= 8 voxels: 128 -> 5 levels, 24 -> 2, 64 -> 4', () => {
    expect([planLevels([128, 128]), planLevels([24, 24]), planLevels([64, 80])]).toEqual([5, 2, 4]);
  });
});

describe('bytesPerSample', () => {
  it('sums the feature maps per level: 16 x 16, filters [4, 8], 1 channel', () => {
    // input 256 * 4; level 0: 256 * 4 * 6 * 2 * 4 * 2; level 1 (bottom): 64 * 8 * 6 * 2 * 4.
    expect(bytesPerSample([16, 16], [4, 8], 1)).toBe(256 * 4 + 256 * 4 * 96 + 64 * 8 * 48);
  });
});

describe('makePlan', () => {
  const image = scan('a', [4, 16, 16], [3, 1, 1], (i) => (i % 16 < 8 ? -1000 : 40));
  const label = scan('a', [4, 16, 16], [3, 1, 1], (i) => (i % 16 < 8 ? 0 : 2));
  it('infers classes from the label values and CT from Hounsfield intensities (clip and z-score of the foreground)', () => {
    const plan = makePlan([image], [label], { dims: '2', model: 'unet', modality: 'auto', memoryBudget: 2 ** 30 });
    expect(plan.labelValues).toEqual([0, 2]);
    expect(plan.modality).toBe('ct');
    // The foreground is all 40: the clip is [40, 40], the mean 40.
    expect(plan.normalization).toMatchObject({ scheme: 'ct', clip: [40, 40], mean: 40 });
    expect(plan.patchSize).toEqual([16, 16]);
    // Batch cap: 5% of 1024 voxels / 256 per patch = 0.2 -> the minimum, 2.
    expect(plan.batchSize).toBe(2);
  });
  it('fails on --classes below the label values and on one class only', () => {
    expect(() => makePlan([image], [label], { dims: '2', model: 'unet', modality: 'mri', classes: 2, memoryBudget: 2 ** 30 })).toThrow('--classes is 2 but the labels hold the value 2');
    const flat = scan('a', [4, 16, 16], [3, 1, 1], () => 0);
    expect(() => makePlan([image], [flat], { dims: '2', model: 'unet', modality: 'mri', memoryBudget: 2 ** 30 })).toThrow('a segmentation needs at least two classes');
  });
  it('puts the --background value first (network class 0) and names a value the labels lack', () => {
    const tissue = scan('t', [4, 16, 16], [3, 1, 1], (i) => [0, 1, 1, 2][i % 4]!);
    const plan = makePlan([image], [tissue], { dims: '2', model: 'unet', modality: 'mri', background: 1, memoryBudget: 2 ** 30 });
    expect(plan.labelValues).toEqual([1, 0, 2]);
    expect(plan.notes).toContain('background label value 1 (network class 0)');
    // The smallest value is the background already: nothing moves.
    expect(makePlan([image], [tissue], { dims: '2', model: 'unet', modality: 'mri', background: 0, memoryBudget: 2 ** 30 }).labelValues).toEqual([0, 1, 2]);
    expect(makePlan([image], [tissue], { dims: '2', model: 'unet', modality: 'mri', classes: 4, background: 3, memoryBudget: 2 ** 30 }).labelValues).toEqual([3, 0, 1, 2]);
    expect(() => makePlan([image], [tissue], { dims: '2', model: 'unet', modality: 'mri', background: 5, memoryBudget: 2 ** 30 })).toThrow('--background is 5 but the labels hold only the values 0, 1, 2');
  });
  it('z-scores MRI per image: mean 0, std 1', () => {
    const mri = scan('m', [1, 4, 4], [1, 1, 1], (i) => i);
    const out = normalizeScan(mri, { normalization: { scheme: 'zscore' } });
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    const std = Math.sqrt(out.reduce((a, b) => a + (b - mean) ** 2, 0) / out.length);
    expect(mean).toBeCloseTo(0, 6);
    expect(std).toBeCloseTo(1, 6);
  });
});

describe('normalizeScan with region nonzero (nnU-Net use_mask_for_norm)', () => {
  it('z-scores every voxel with the mean and std of the nonzero ones, whatever the amount of empty field of view', () => {
    // Nonzero voxels 2, 4, 6: mean 4, std sqrt(8 / 3); the zeros map to -4 / std.
    const small = scan('s', [1, 1, 5], [1, 1, 1], (i) => [0, 2, 4, 6, 0][i]!);
    const wide = scan('w', [1, 1, 9], [1, 1, 1], (i) => [0, 0, 0, 2, 4, 6, 0, 0, 0][i]!);
    const sd = Math.sqrt(8 / 3);
    const a = normalizeScan(small, { normalization: { scheme: 'zscore', region: 'nonzero' } });
    const b = normalizeScan(wide, { normalization: { scheme: 'zscore', region: 'nonzero' } });
    [-4 / sd, -2 / sd, 0, 2 / sd, -4 / sd].forEach((v, i) => expect(a[i]).toBeCloseTo(v, 6));
    expect(Array.from(b.slice(2, 7))).toEqual(Array.from(a));
    // An all-zero image stays zero (no NaN from 0 / 0).
    expect(Array.from(normalizeScan(scan('z', [1, 1, 3], [1, 1, 1], () => 0), { normalization: { scheme: 'zscore', region: 'nonzero' } }))).toEqual([0, 0, 0]);
  });
  it('is recorded in the plan, and refused for CT', () => {
    const mri = scan('m', [4, 16, 16], [3, 1, 1], (i) => i % 7);
    const lab = scan('m', [4, 16, 16], [3, 1, 1], (i) => i % 2);
    expect(makePlan([mri], [lab], { dims: '2', model: 'unet', modality: 'mri', normRegion: 'nonzero', memoryBudget: 2 ** 30 }).normalization).toEqual({ scheme: 'zscore', region: 'nonzero' });
    expect(makePlan([mri], [lab], { dims: '2', model: 'unet', modality: 'mri', memoryBudget: 2 ** 30 }).normalization).toEqual({ scheme: 'zscore' });
    expect(() => makePlan([mri], [lab], { dims: '2', model: 'unet', modality: 'ct', normRegion: 'nonzero', memoryBudget: 2 ** 30 })).toThrow('--norm-region is nonzero but the modality is CT');
  });
});

describe('sampleBatch with augment full', () => {
  // A 1 x 32 x 32 case: a bright 12 x 12 square labelled 1 at the centre.
  const img = scan('q', [1, 32, 32], [1, 1, 1], (i) => (Math.abs((i >> 5) - 15.5) < 6 && Math.abs((i & 31) - 15.5) < 6 ? 100 : 0));
  const lab = scan('q', [1, 32, 32], [1, 1, 1], (i) => (img.data[i]! > 0 ? 1 : 0));
  const base = makePlan([img], [lab], { dims: '2', model: 'unet', modality: 'mri', patchSize: [32, 32], batchSize: 64, filters: [4, 8], memoryBudget: 2 ** 30 });
  const item = trainingCase(img, lab, base);
  it('is recorded in the plan; mirror (the default) samples as before: the label follows the image exactly', () => {
    expect(base.augment).toBeUndefined();
    const batch = sampleBatch([item], base, createRng(1));
    let mismatched = 0;
    for (let v = 0; v < batch.x.length; v++) if (batch.y[2 * v + 1] !== (batch.x[v]! > 0 ? 1 : 0)) mismatched++;
    expect(mismatched).toBe(0);
  });
  it('rotates / zooms some samples (image bilinear, labels one-hot nearest), keeps the label on the bright voxels', () => {
    const plan = makePlan([img], [lab], { dims: '2', model: 'unet', modality: 'mri', augment: 'full', patchSize: [32, 32], batchSize: 64, filters: [4, 8], memoryBudget: 2 ** 30 });
    expect(plan.augment).toBe('full');
    const batch = sampleBatch([item], plan, createRng(1));
    const bright = Math.max(...item.image);
    const dark = Math.min(...item.image);
    let changed = 0;
    let notOneHot = 0;
    let brightButBackground = 0;
    for (let b = 0; b < 64; b++) {
      let blended = 0;
      for (let v = b * 1024; v < (b + 1) * 1024; v++) {
        if (batch.y[2 * v]! + batch.y[2 * v + 1]! !== 1) notOneHot++;
        // A voxel well inside the (possibly brightened or noised) square is labelled 1.
        if (batch.x[v]! > 0.9 * bright + 0.5 && batch.y[2 * v + 1] !== 1) brightButBackground++;
        const value = batch.x[v]!;
        if (Math.abs(value - bright) > 1e-3 && Math.abs(value - dark) > 1e-3 && value !== 0) blended++;
      }
      if (blended > 0) changed++;
    }
    expect(notOneHot).toBe(0);
    expect(brightButBackground).toBe(0);
    // About 0.3 + 0.15 + 0.15 of 64 samples get a non-identity intensity or resampling.
    expect(changed).toBeGreaterThan(10);
    expect(changed).toBeLessThan(50);
  });
});

describe('parseFlags and case pairing', () => {
  const flags = { images: { type: 'string', multiple: true, help: '' }, epochs: { type: 'string', help: '' }, tta: { type: 'boolean', help: '' } } as const;
  it('attaches a shell glob expansion and comma lists to the flag before them', () => {
    expect(parseFlags('train', ['--images', 'a.nii', 'b.nii', '--epochs=3', '--images', 'c.nii,d.nii', '--tta'], flags)).toEqual({ images: ['a.nii', 'b.nii', 'c.nii', 'd.nii'], epochs: '3', tta: true });
  });
  it('rejects unknown flags with the closest one, stray words and values given twice', () => {
    expect(() => parseFlags('train', ['--epoch', '3'], flags)).toThrow("--epoch is not a flag of this command. Did you mean '--epochs'?");
    expect(() => parseFlags('train', ['x.nii'], flags)).toThrow(UnetKitError);
    expect(() => parseFlags('train', ['--epochs', '1', '--epochs', '2'], flags)).toThrow("is given twice ('1' and '2')");
  });
  it('pairs by case id, dropping extensions and the nnU-Net channel suffix', () => {
    expect(caseId('/x/case_007_0000.nii.gz')).toBe('case_007');
    expect(pairByCase('train', ['i/a.nii.gz', 'i/b_0000.nii'], ['l/b.nii.gz', 'l/a.nii'])).toEqual([['i/a.nii.gz', 'l/a.nii'], ['i/b_0000.nii', 'l/b.nii.gz']]);
    expect(() => pairByCase('train', ['i/case1.png'], ['l/case_1.png'])).toThrow("Did you mean 'case_1'?");
  });
  it('splits a seeded fraction (never every case) or the ids given', () => {
    const split = splitCases(['a', 'b', 'c', 'd', 'e'], '0.4', 0);
    expect(split.val).toHaveLength(2);
    expect([...split.train, ...split.val].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(splitCases(['a', 'b', 'c', 'd', 'e'], '0.4', 0)).toEqual(split);
    expect(splitCases(['a'], '0.2', 0)).toEqual({ train: ['a'], val: [] });
    expect(splitCases(['a', 'b'], 'b', 0)).toEqual({ train: ['a'], val: ['b'] });
    expect(() => splitCases(['a', 'b'], 'x', 0)).toThrow("names the case(s) 'x'");
  });
});
