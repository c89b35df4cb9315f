// predictScan's post-processing: --largest-component keeps one piece per class, mapped back to label values.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { predictScan } from '../../src/cli/infer.js';
import type { TrainingPlan } from '../../src/cli/plan.js';
import type { Scan } from '../../src/cli/scans.js';
import { expectNoLeak } from '../helpers/leaks.js';

// A stand-in network: class 1's logit is the (z-scored) intensity, class 0's is 0, so every
// bright voxel is predicted as class 1.
const model = { predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([tf.zerosLike(x), x], -1)) } as unknown as tfl.LayersModel;

const plan = (dims: '2' | '3', patchSize: number[]): TrainingPlan => ({
  dims, channels: 1, patchSize, batchSize: 2, filters: [4], model: 'unet', labelValues: [7, 3], modality: 'mri',
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
