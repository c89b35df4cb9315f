// Makes the live examples' compact brain asset from the ITK brain T1 volume (test/fixtures, a copy
// of the project's shared data): the T1 image and the brain mask (label != 0) at half the in-plane
// resolution, 64 x 64 x 62 voxels of 4 x 4 x 3 mm, as gzip NIfTI-1 uint8 (about 100 kB in all).
// Run: node --import tsx docs/examples/makeAssets.ts
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNifti, writeNifti } from '../../src/data/index.js';

const root = join(import.meta.dirname, '..', '..');
const source = join(root, 'examples', 'data', 'itk-brain-t1');
const out = join(import.meta.dirname, 'data');

/** 2 x 2 in-plane reduction of an x-fastest volume: the mean (image) or the majority (mask). */
function halveInPlane(data: ArrayLike<number>, [nx, ny, nz]: number[], reduce: (sum: number) => number): Uint8Array {
  const hx = nx! / 2;
  const hy = ny! / 2;
  const result = new Uint8Array(hx * hy * nz!);
  for (let z = 0; z < nz!; z++) {
    for (let y = 0; y < hy; y++) {
      for (let x = 0; x < hx; x++) {
        let sum = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) sum += data[(z * ny! + 2 * y + dy) * nx! + 2 * x + dx]!;
        result[(z * hy + y) * hx + x] = reduce(sum);
      }
    }
  }
  return result;
}

const t1 = await readNifti(await readFile(join(source, 'KmeansTest_T1UCharRaw.nii.gz')));
const labels = await readNifti(await readFile(join(source, 'KmeansTest_T1RawSkullStrip.nii.gz')));
const [nx, ny, nz] = t1.shape as [number, number, number];
const [sx, sy, sz] = t1.spacing as [number, number, number];
const shape = [nx / 2, ny / 2, nz];
const spacing = [sx * 2, sy * 2, sz];
const image = halveInPlane(t1.data, t1.shape, (sum) => Math.round(sum / 4));
// The mask: brain where at least 2 of the 4 voxels are (ties go to brain).
const mask = halveInPlane(Array.from(labels.data, (v) => (v !== 0 ? 1 : 0)), labels.shape, (sum) => (sum >= 2 ? 1 : 0));
const description = 'ITK KmeansTest T1, 2x2 in-plane mean (unet-kit examples)';
await writeFile(join(out, 'brain-t1-64.nii.gz'), await writeNifti({ data: image, shape, spacing }, { gzip: true, description }));
await writeFile(join(out, 'brain-mask-64.nii.gz'), await writeNifti({ data: mask, shape, spacing }, { gzip: true, description: 'ITK KmeansTest skull strip != 0, 2x2 majority' }));
const brain = mask.reduce((a, b) => a + b, 0) / mask.length;
console.log(`wrote ${out}/brain-t1-64.nii.gz and brain-mask-64.nii.gz: ${shape.join(' x ')} voxels of ${spacing.join(' x ')} mm, ${(100 * brain).toFixed(1)}% brain`);
