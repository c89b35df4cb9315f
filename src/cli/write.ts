import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { UnetKitError } from '../core/errors.js';
import { writeNifti } from '../data/nifti.js';
import type { Scan } from './scans.js';

/**
 * Writes a label map with the geometry of the scan it was predicted from: NIfTI (`.nii`, or
 * gzip for `.nii.gz`) with the input's shape, pixdim and affine (as sform), so ITK-SNAP and
 * 3D Slicer overlay it on the scan; or a grey PNG whose pixel values are the labels (for 2D
 * inputs). The smallest integer type that holds the labels is used (uint8 or int16).
 */
export async function writeLabelMap(path: string, scan: Scan, labels: Int32Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const max = labels.reduce((m, v) => (v > m ? v : m), 0);
  if (path.toLowerCase().endsWith('.png')) {
    if (scan.shape[0] !== 1) throw new UnetKitError('unet-kit predict', '--out', `is '${path}', a PNG, but ${scan.path} is a volume of ${scan.shape[0]} slices: write .nii.gz.`);
    if (max > 255) throw new UnetKitError('unet-kit predict', '--out', `is a PNG but the labels reach ${max} (> 255): write .nii.gz.`);
    const [, H, W] = scan.shape;
    const png = new PNG({ width: W, height: H, colorType: 0, inputColorType: 0, bitDepth: 8 });
    const grey = Buffer.from(Uint8Array.from(labels));
    await writeFile(path, PNG.sync.write(Object.assign(png, { data: grey }), { colorType: 0, inputColorType: 0, bitDepth: 8 }));
    return;
  }
  const data = max <= 255 ? Uint8Array.from(labels) : Int16Array.from(labels);
  const shape = [scan.shape[2], scan.shape[1], scan.shape[0]];
  const bytes = await writeNifti({ data, shape, spacing: scan.niftiSpacing.slice(0, 3), affine: scan.affine }, { gzip: path.toLowerCase().endsWith('.gz'), description: 'unet-kit prediction' });
  await writeFile(path, bytes);
}
