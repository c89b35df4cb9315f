// `npm run demo -- --quick`: the CLI demo end to end in its own Node process, tiny settings, run
// as the package ships it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti } from '../../src/data/nifti.js';
import { cutSlab } from '../../examples/brain-demo/slabs.js';
import { useConsumerProject } from '../package/consumer.js';
import { useDemoRun } from './demoRun.js';

// From a consumer project, as a user runs the shipped copy: `unet-kit/cli` and the other
// subpaths resolve through the package's exports map to dist/, the data from examples/data.
const consumerDir = useConsumerProject('unet-kit-cli-demo-consumer-');
const demo = useDemoRun('unet-kit-cli-demo-', 'node_modules/unet-kit/examples/brain-demo/demo.ts', consumerDir);

describe('CLI brain demo (--quick)', () => {
  it('prints each command it runs, copyable, and the held-out scores', () => {
    expect(demo().stdout).toMatch(/^\$ npx unet-kit train --images \S+\/data\/images --labels \S+\/data\/labels --out \S+\/run --dims 2\.5 --val 0 /m);
    expect(demo().stdout).toMatch(/^\$ npx unet-kit predict --model \S+\/run,\S+\/run-3d --input \S+\/data\/test\/images --out \S+\/pred --largest-component/m);
    expect(demo().stdout).toMatch(/^\$ npx unet-kit evaluate --pred \S+\/pred --truth \S+\/data\/test\/labels --background 0 /m);
    expect(demo().stdout).toContain('cases: 1 training, 0 validation; median shape (z, y, x) 40 x 128 x 128 voxels at 3 x 2 x 2 mm');
    expect(demo().stdout).toMatch(/held-out axial slices 40\.\.61 \(never trained on\)/);
    expect(demo().stdout).toMatch(/mean foreground Dice \d\.\d{4}\s+HD95 \d+\.\d{2} mm/);
  });

  it('writes demo.json with scores in range, the times and the commands', async () => {
    const summary = JSON.parse(await readFile(join(demo().out, 'demo.json'), 'utf8'));
    expect(summary).toMatchObject({ task: 'brain', quick: true, dims: '2.5', heldOut: { slices: [40, 61] } });
    expect(summary.heldOut.dice).toBeGreaterThanOrEqual(0);
    expect(summary.heldOut.dice).toBeLessThanOrEqual(1);
    expect(summary.seconds.train).toBeGreaterThan(0);
    expect(summary.commands).toHaveLength(4);
    expect(summary.commands[2]).toMatch(/^npx unet-kit predict --model \S+\/run,\S+\/run-3d /);
  });

  it('writes the held-out slab and its prediction with the slab geometry: the affine origin moved to slice 40', async () => {
    const full = await readNifti(await readFile(new URL('../../examples/data/itk-brain-t1/KmeansTest_T1UCharRaw.nii.gz', import.meta.url)));
    const slab = await readNifti(await readFile(join(demo().out, 'data/test/images/heldout.nii.gz')));
    const pred = await readNifti(await readFile(join(demo().out, 'pred/heldout.nii.gz')));
    expect(slab.shape).toEqual([128, 128, 22]);
    // The ITK affine maps k to world y (3 mm): slice 40 sits 120 mm further.
    expect(slab.affine[1]![3]).toBeCloseTo(full.affine[1]![3]! + 40 * 3, 4);
    expect(pred.affine).toEqual(slab.affine);
    expect(pred.spacing).toEqual(slab.spacing);
    expect(Array.from(slab.data.subarray(0, 128 * 128))).toEqual(Array.from(full.data.subarray(40 * 128 * 128, 41 * 128 * 128)));
  });
});

describe('cutSlab', () => {
  it('moves the origin by first * the k column of the affine and refuses slices outside the volume', () => {
    const volume = { data: Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => i), shape: [2, 2, 4], spacing: [1, 1, 2], affine: [[1, 0, 0, 5], [0, 1, 0, 6], [0, 0.5, 2, 7], [0, 0, 0, 1]], datatype: 'uint8' as const };
    const slab = cutSlab(volume, 1, 2);
    expect(slab.shape).toEqual([2, 2, 2]);
    expect(Array.from(slab.data)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(slab.affine).toEqual([[1, 0, 0, 5], [0, 1, 0, 6], [0, 0.5, 2, 9], [0, 0, 0, 1]]);
    expect(() => cutSlab(volume, 3, 4)).toThrow('outside 0..3');
  });
});
