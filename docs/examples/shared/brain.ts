// The bundled brain MRI (docs/examples/data, 64 x 64 x 62 voxels of 4 x 4 x 3 mm): fetched once,
// read with unet-kit's NIfTI reader, z-score normalized, optionally resized in plane.
import * as tf from '@tensorflow/tfjs-core';
import { niftiToTensor, readNifti, zScoreNormalize, type NiftiVolume } from 'unet-kit/data';

/** The volume as tensors `[1, D = z, H = y, W = x, 1]`. */
export interface Brain {
  /** Normalized T1 (zero mean, unit variance over the volume). */
  image: tf.Tensor5D;
  /** Binary brain mask, float32 0/1. */
  mask: tf.Tensor5D;
  /** Voxel size in the tensor's order `[z, y, x]`, mm (in-plane scaled when resized). */
  spacing: [number, number, number];
}

const cache = new Map<string, Promise<NiftiVolume>>();

/** Reads a NIfTI file of the site's data folder (cached). */
export function fetchVolume(name: string): Promise<NiftiVolume> {
  let pending = cache.get(name);
  if (pending === undefined) {
    pending = fetch(new URL(`../data/${name}`, location.href)).then(async (response) => {
      if (!response.ok) throw new Error(`fetching data/${name}: HTTP ${response.status}`);
      return readNifti(await response.arrayBuffer());
    });
    cache.set(name, pending);
  }
  return pending;
}

/** Image and mask as tensors: `size` (a divisor-friendly in-plane size, default 64 = as stored). */
export function brainTensors(image: NiftiVolume, mask: NiftiVolume, size = 64): Brain {
  const [sx, sy, sz] = image.spacing as [number, number, number];
  const nx = image.shape[0]!;
  return tf.tidy(() => {
    let x = zScoreNormalize(niftiToTensor(image, { dtype: 'float32' })) as tf.Tensor5D;
    let y = tf.cast(tf.notEqual(niftiToTensor(mask, { dtype: 'float32' }), 0), 'float32') as tf.Tensor5D;
    if (size !== nx) {
      // Slices as a batch of 2D images: [D, H, W, 1] -> [D, size, size, 1].
      const [, d, h, w] = x.shape;
      const slicesX = tf.reshape(x, [d, h, w, 1]) as tf.Tensor4D;
      const slicesY = tf.reshape(y, [d, h, w, 1]) as tf.Tensor4D;
      x = tf.expandDims(tf.image.resizeBilinear(slicesX, [size, size], true), 0) as tf.Tensor5D;
      y = tf.expandDims(tf.cast(tf.greaterEqual(tf.image.resizeBilinear(slicesY, [size, size], true), 0.5), 'float32'), 0) as tf.Tensor5D;
    }
    const scale = nx / size;
    return { image: x, mask: y, spacing: [sz, sy * scale, sx * scale] as [number, number, number] };
  });
}

/** Fetches the bundled image and mask and returns them as tensors (see {@link brainTensors}). */
export async function loadBrain(size = 64): Promise<Brain> {
  const [image, mask] = await Promise.all([fetchVolume('brain-t1-64.nii.gz'), fetchVolume('brain-mask-64.nii.gz')]);
  return brainTensors(image, mask, size);
}
