import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readNifti, type NiftiVolume } from '../../src/data/nifti.js';
import { signalCeiling } from '../../examples/brain-demo/signalCeiling.js';

const volume = (data: number[], shape: number[]): NiftiVolume =>
  ({ data: Uint8Array.from(data), shape, datatype: 'uint8', spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }) as unknown as NiftiVolume;

describe('signalCeiling', () => {
  it('scores the oracle by hand: 2 * seen / (seen + voxels) per value, over the chosen slices only', () => {
    // 2 x 1 x 3 (x, y, z): slice k holds voxels 2k and 2k + 1.
    const image = volume([5, 0, 7, 0, 0, 9], [2, 1, 3]);
    const labels = volume([2, 2, 2, 3, 3, 3], [2, 1, 3]);
    // All slices: value 2 has 3 voxels, 1 on a zero image (seen 2): 4 / 5; value 3 has 3, 2 on zero (seen 1): 2 / 4.
    expect(signalCeiling(image, labels, [2, 3], 1, 0, 2)).toEqual([
      { value: 2, voxels: 3, onZeroImage: 1, oracleDice: 0.8 },
      { value: 3, voxels: 3, onZeroImage: 2, oracleDice: 0.5 },
    ]);
    // Slice 2 only: value 2 is absent (NaN, not 0), value 3 has 2 voxels, 1 seen: 2 / 3.
    const [two, three] = signalCeiling(image, labels, [2, 3], 1, 2, 2);
    expect(two!.oracleDice).toBeNaN();
    expect(three!.oracleDice).toBeCloseTo(2 / 3, 12);
  });

  it('rejects slices outside the volume, mismatched shapes and a scored background', () => {
    const image = volume([1, 1], [2, 1, 1]);
    expect(() => signalCeiling(image, image, [2], 1, 0, 1)).toThrow(/slices 0\.\.1 are outside 0\.\.0/);
    expect(() => signalCeiling(image, volume([1, 1, 1, 1], [2, 1, 2]), [2], 1, 0, 0)).toThrow(/labels are 2x1x2, image is 2x1x1/);
    expect(() => signalCeiling(image, image, [1, 2], 1, 0, 0)).toThrow(/values include the background 1/);
  });

  it('puts the ITK tissue labels of the held-out slab 40..61 under 0.85: values 2 and 3 run past the image', async () => {
    const dir = new URL('../../examples/data/itk-brain-t1/', import.meta.url);
    const image = await readNifti(await readFile(new URL('KmeansTest_T1UCharRaw.nii.gz', dir)));
    const labels = await readNifti(await readFile(new URL('KmeansTest_T1KmeansPrelimSegmentation.nii.gz', dir)));
    const rows = signalCeiling(image, labels, [2, 3, 4, 5, 6], 1, 40, 61);
    expect(rows.map((r) => r.onZeroImage)).toEqual([30384, 12965, 0, 0, 0]);
    expect(rows.map((r) => r.voxels)).toEqual([46905, 19533, 8097, 12907, 8812]);
    const mean = rows.reduce((a, r) => a + r.oracleDice, 0) / rows.length;
    expect(mean).toBeCloseTo(0.8048, 4);
  });
});
