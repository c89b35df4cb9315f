import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { niftiToTensor, readNifti, zScoreNormalize } from 'unet-kit/data';

/** The demo's volume: normalized T1 image and binary brain mask, `[1, D = z, H = y, W = x, 1]`. */
export interface BrainVolume {
  image: tf.Tensor5D;
  mask: tf.Tensor5D;
  /** Voxel size in the tensor's spatial order `[z, y, x]` (mm). */
  spacing: [number, number, number];
}

/** Where the ITK brain T1 files are: the test fixtures copied from the project's shared data. */
export const DEFAULT_DATA_DIR = new URL('../data/itk-brain-t1', import.meta.url).pathname;

/**
 * Reads the T1 image (`KmeansTest_T1UCharRaw`) and the brain mask (`KmeansTest_T1RawSkullStrip`,
 * label != 0) and z-score normalizes the image over the whole volume (nnU-Net's MRI scheme).
 */
export async function loadBrain(dir = DEFAULT_DATA_DIR): Promise<BrainVolume> {
  const t1 = await readNifti(await readFile(join(dir, 'KmeansTest_T1UCharRaw.nii.gz')));
  const labels = await readNifti(await readFile(join(dir, 'KmeansTest_T1RawSkullStrip.nii.gz')));
  const [sx, sy, sz] = t1.spacing as [number, number, number];
  return tf.tidy(() => {
    const raw = niftiToTensor(t1, { dtype: 'float32' });
    const image = zScoreNormalize(raw) as tf.Tensor5D;
    const mask = tf.cast(tf.notEqual(niftiToTensor(labels, { dtype: 'int32' }), 0), 'float32') as tf.Tensor5D;
    return { image, mask, spacing: [sz, sy, sx] as [number, number, number] };
  });
}

/** `[start, ..., end]` inclusive. */
export function range(start: number, end: number): number[] {
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}
