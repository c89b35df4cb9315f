import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNifti, writeNifti, type NiftiTypedArray, type NiftiVolume } from 'unet-kit/data';

/** A run of axial slices `[first, last]` (inclusive) cut out of the volume as one NIfTI case. */
export interface Slab {
  id: string;
  first: number;
  last: number;
}

/**
 * The slices `first..last` (NIfTI's third axis, k) of a volume, with the affine moved so that
 * voxel (0, 0, 0) of the slab sits where voxel (0, 0, first) of the volume was: the slab
 * overlays the full scan in ITK-SNAP or 3D Slicer (origin = affine . [0, 0, first, 1]).
 */
export function cutSlab(volume: NiftiVolume, first: number, last: number): NiftiVolume {
  const [nx = 1, ny = 1, nz = 1] = volume.shape;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first || last >= nz) {
    throw new Error(`cutSlab: slices ${first}..${last} are outside 0..${nz - 1}`);
  }
  const plane = nx * ny;
  const data = volume.data.slice(first * plane, (last + 1) * plane) as NiftiTypedArray;
  const affine = volume.affine.map((row, r) => (r < 3 ? [row[0]!, row[1]!, row[2]!, row[3]! + row[2]! * first] : [...row]));
  return { ...volume, data, shape: [nx, ny, last - first + 1], affine };
}

/** The label map a task trains on: the brain mask (label != 0 -> 1) or the labels as they are. */
export type LabelMapping = 'binary' | 'asIs';

/** Files {@link writeSlabCases} wrote. */
export interface SlabFiles {
  /** Folders of the training + validation cases (`train --images / --labels`). */
  images: string;
  labels: string;
  /** Folders of the held-out cases (`predict --input`, `evaluate --truth`). */
  testImages: string;
  testLabels: string;
}

/**
 * Reads the ITK T1 image and a label file from `dataDir` and writes each slab as a case,
 * `images/<id>.nii.gz` + `labels/<id>.nii.gz` for the training and validation slabs and
 * `test/images|labels/<id>.nii.gz` for the held-out ones, under `root`.
 */
export async function writeSlabCases(dataDir: string, labelFile: string, mapping: LabelMapping, root: string, slabs: { train: Slab[]; test: Slab[] }): Promise<SlabFiles> {
  const image = await readNifti(await readFile(join(dataDir, 'KmeansTest_T1UCharRaw.nii.gz')));
  const raw = await readNifti(await readFile(join(dataDir, labelFile)));
  const labels: NiftiVolume = mapping === 'binary' ? { ...raw, data: Uint8Array.from(raw.data, (v) => (v !== 0 ? 1 : 0)), datatype: 'uint8' } : raw;
  const files: SlabFiles = { images: join(root, 'images'), labels: join(root, 'labels'), testImages: join(root, 'test', 'images'), testLabels: join(root, 'test', 'labels') };
  const write = async (dir: string, id: string, volume: NiftiVolume): Promise<void> => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${id}.nii.gz`), await writeNifti(volume, { gzip: true, description: 'ITK KmeansTest T1 slab' }));
  };
  for (const [list, imageDir, labelDir] of [[slabs.train, files.images, files.labels], [slabs.test, files.testImages, files.testLabels]] as const) {
    for (const slab of list) {
      await write(imageDir, slab.id, cutSlab(image, slab.first, slab.last));
      await write(labelDir, slab.id, cutSlab(labels, slab.first, slab.last));
    }
  }
  return files;
}
