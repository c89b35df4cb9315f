// Tiny synthetic datasets for the CLI tests: NIfTI volumes with a two-class ball and PNG images
// with a bright square, written to a folder in the layouts users have (images/ and labels/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { writeNifti } from '../../src/data/nifti.js';

/** Geometry of the synthetic volumes: NIfTI order [nx, ny, nz], pixdim and an oblique-free affine with flips and offsets. */
export const SYNTHETIC_GEOMETRY = {
  shape: [24, 20, 10],
  spacing: [1.5, 1.5, 2.5],
  affine: [
    [-1.5, 0, 0, 10],
    [0, 1.5, 0, -20],
    [0, 0, 2.5, 30],
    [0, 0, 0, 1],
  ],
};

/**
 * Writes `nii/images/case{c}.nii.gz` + `nii/labels/case{c}.nii(.gz)` (label 1 left half of a
 * ball, 2 right half, intensities separating them) and `png/images/img{c}.png` +
 * `png/labels/img{c}.png` (label 1 in a bright square), for c = 0..count-1.
 */
export async function writeSyntheticData(root: string, count = 3): Promise<void> {
  for (const d of ['nii/images', 'nii/labels', 'png/images', 'png/labels']) mkdirSync(join(root, d), { recursive: true });
  const [nx, ny, nz] = SYNTHETIC_GEOMETRY.shape as [number, number, number];
  for (let c = 0; c < count; c++) {
    const image = new Float32Array(nx * ny * nz);
    const label = new Uint8Array(nx * ny * nz);
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const idx = i + nx * (j + ny * k);
          const inside = Math.hypot(i - 12 - (c % 3), j - 10, (k - 5) * 2) < 6;
          label[idx] = inside ? (i < 12 ? 1 : 2) : 0;
          image[idx] = 100 + (inside ? (i < 12 ? 80 : 160) : 0) + 10 * Math.sin(idx);
        }
      }
    }
    const geometry = { shape: [nx, ny, nz], spacing: SYNTHETIC_GEOMETRY.spacing, affine: SYNTHETIC_GEOMETRY.affine };
    writeFileSync(join(root, 'nii/images', `case${c}.nii.gz`), await writeNifti({ data: image, ...geometry }, { gzip: true }));
    // One label uncompressed: the CLI reads .nii and .nii.gz alike.
    writeFileSync(join(root, 'nii/labels', `case${c}.nii${c === 0 ? '' : '.gz'}`), await writeNifti({ data: label, ...geometry }, { gzip: c !== 0 }));
    const W = 24;
    const H = 24;
    const im = new PNG({ width: W, height: H });
    const lb = new PNG({ width: W, height: H });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = Math.abs(x - 12 + (c % 3)) < 5 && Math.abs(y - 11) < 6;
        const g = inside ? 200 : 50 + ((x * 7 + y * 3) % 20);
        const v = inside ? 1 : 0;
        im.data.set([g, g, g, 255], 4 * (y * W + x));
        lb.data.set([v, v, v, 255], 4 * (y * W + x));
      }
    }
    writeFileSync(join(root, 'png/images', `img${c}.png`), PNG.sync.write(im));
    writeFileSync(join(root, 'png/labels', `img${c}.png`), PNG.sync.write(lb));
  }
}
