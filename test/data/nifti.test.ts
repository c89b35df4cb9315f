import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { niftiToTensor, readNifti, tensorToNifti, writeNifti } from '../../src/data/nifti.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../examples/data/itk-brain-t1/${name}`, import.meta.url)));

// Reference values computed independently with Python's gzip + struct (no nibabel):
//   header: little-endian, dims (3, 128, 128, 62), datatype 4 (int16), pixdim (1, 2, 2, 3), vox_offset 352,
//   qform_code 2, sform_code 1, srow_x (-2, 0, 0, 0), srow_y (0, 0, 3, -254), srow_z (0, 2, 0, 0).
//   T1 data: sum 19533798, min 0, max 255, 248680 nonzero voxels, sum of squares 1925444374,
//   voxel (x, y, z) = (64, 64, 31) -> 97, (70, 60, 20) -> 24, (40, 80, 10) -> 218, (49, 28, 0) -> 45
//   (the first nonzero voxel in file order, flat index 3633); axial slice z = 31 sums to 438744.
//   Brain mask (uint8): values 0: 887336, 4: 126, 5: 15667, 6: 112679 voxels.
describe('readNifti (real ITK brain T1, gzip)', () => {
  it('reads shape, spacing, affine, datatype and the reference values', async () => {
    const volume = await readNifti(fixture('KmeansTest_T1UCharRaw.nii.gz'));
    expect(volume.shape).toEqual([128, 128, 62]);
    expect(volume.spacing).toEqual([2, 2, 3]);
    expect(volume.datatype).toBe('int16');
    expect(volume.data).toBeInstanceOf(Int16Array);
    expect(volume.affine).toEqual([
      [-2, 0, 0, -0],
      [0, 0, 3, -254],
      [0, 2, 0, 0],
      [0, 0, 0, 1],
    ]);
    let sum = 0;
    let squares = 0;
    let nonzero = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of volume.data) {
      sum += v;
      squares += v * v;
      if (v !== 0) nonzero++;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([sum, squares, nonzero, min, max]).toEqual([19533798, 1925444374, 248680, 0, 255]);
    const at = (x: number, y: number, z: number) => volume.data[x + 128 * (y + 128 * z)];
    expect([at(64, 64, 31), at(70, 60, 20), at(40, 80, 10), at(49, 28, 0)]).toEqual([97, 24, 218, 45]);
    expect(volume.data.findIndex((v) => v !== 0)).toBe(3633);
  });

  it('reads the uint8 brain mask with its label counts', async () => {
    const mask = await readNifti(fixture('KmeansTest_T1RawSkullStrip.nii.gz'));
    expect(mask.datatype).toBe('uint8');
    const counts = new Map<number, number>();
    for (const v of mask.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, 887336], [4, 126], [5, 15667], [6, 112679]]);
  });

  it('write then read is lossless (plain and gzip), for every datatype', async () => {
    const volume = await readNifti(fixture('KmeansTest_T1UCharRaw.nii.gz'));
    for (const gzip of [false, true]) {
      const bytes = await writeNifti(volume, { gzip });
      expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
      const again = await readNifti(bytes);
      expect(again.shape).toEqual(volume.shape);
      expect(again.spacing).toEqual(volume.spacing);
      expect(again.affine).toEqual(volume.affine);
      expect(again.datatype).toBe('int16');
      expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength).equals(Buffer.from(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength))).toBe(true);
    }
    const small = [
      new Float32Array([0.1, -2.5, 3e10, Number.MIN_VALUE, 7, 8]),
      new Float64Array([Math.PI, -1e-300, 2, 3, 4, 5]),
      new Uint8Array([0, 255, 3, 4, 5, 6]),
      new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2, 3]),
      new Uint16Array([65535, 0, 1, 2, 3, 4]),
    ];
    for (const data of small) {
      const again = await readNifti(await writeNifti({ data, shape: [3, 2], spacing: [0.5, 0.25] }));
      expect(again.shape).toEqual([3, 2]);
      expect(again.spacing).toEqual([0.5, 0.25]);
      expect(Array.from(again.data)).toEqual(Array.from(data));
      expect(again.data.constructor).toBe(data.constructor);
    }
  });

  it('rejects non-NIfTI bytes, truncated files and bad volumes with clear errors', async () => {
    await expect(readNifti(new Uint8Array(400))).rejects.toThrow(/readNifti: buffer is not a NIfTI-1\/NIfTI-2 file/);
    await expect(readNifti('brain.nii' as never)).rejects.toThrow(UnetKitError);
    const bytes = await writeNifti({ data: new Int16Array(8), shape: [2, 2, 2] });
    await expect(readNifti(bytes.subarray(0, 360))).rejects.toThrow(/readNifti: buffer holds 8 bytes of voxels; shape \[2, 2, 2\] of int16 needs 16/);
    await expect(writeNifti({ data: new Int16Array(7), shape: [2, 2, 2] })).rejects.toThrow(/writeNifti: volume.data is Int16Array\(7\); expected 8 values/);
    await expect(writeNifti({ data: [1, 2] as never, shape: [2] })).rejects.toThrow(/writeNifti: volume.data is \[1, 2\]; expected a typed array/);
  });
});

describeEachBackend('niftiToTensor / tensorToNifti', () => {
  it('gives a [1, D, H, W, 1] = [1, z, y, x, 1] tensor without transposing', async () => {
    const volume = await readNifti(fixture('KmeansTest_T1UCharRaw.nii.gz'));
    const x = await expectNoLeak(() => niftiToTensor(volume));
    expect(x.shape).toEqual([1, 62, 128, 128, 1]);
    expect(x.dtype).toBe('int32');
    const slice = tf.slice(x, [0, 31, 0, 0, 0], [1, 1, -1, -1, 1]);
    expect((await tf.sum(slice).data())[0]).toBe(438744);
    expect((await tf.slice(x, [0, 10, 80, 40, 0], [1, 1, 1, 1, 1]).data())[0]).toBe(218);
    // And back: the volume from the tensor equals the file's.
    const back = tensorToNifti(x, volume, 'int16');
    expect(back.shape).toEqual([128, 128, 62]);
    expect(Array.from(back.data)).toEqual(Array.from(volume.data));
    tf.dispose([x, slice]);
  });
});
