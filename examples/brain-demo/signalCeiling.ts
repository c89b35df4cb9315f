// `npm run demo:ceiling`: how much of a label map any model can see. For each label value, the
// Dice of an oracle that is exactly right wherever the image holds signal and says background
// wherever the image is 0: a model that reads the image cannot beat it there without guessing.
import type { NiftiVolume } from 'unet-kit/data';

/** Per label value: its voxels, how many of them lie where the image is 0, and the oracle's Dice. */
export interface SignalCeilingRow {
  value: number;
  voxels: number;
  onZeroImage: number;
  oracleDice: number;
}

/**
 * The oracle ceiling of a label map over the axial slices `first..last` (NIfTI's k axis):
 * prediction = the label where `image != 0`, `background` where `image == 0`.
 * Dice per value = 2|P ∩ T| / (|P| + |T|) (the usual Dice; for the oracle P ⊆ T, so it is
 * 2 * seen / (seen + voxels), with `seen = voxels - onZeroImage`).
 *
 * @param values - the label values to score (the background left out).
 * @returns one row per value, in the order given.
 */
export function signalCeiling(image: NiftiVolume, labels: NiftiVolume, values: readonly number[], background: number, first: number, last: number): SignalCeilingRow[] {
  const [nx = 1, ny = 1, nz = 1] = image.shape;
  if (labels.shape.join() !== image.shape.join()) throw new Error(`signalCeiling: labels are ${labels.shape.join('x')}, image is ${image.shape.join('x')}`);
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first || last >= nz) {
    throw new Error(`signalCeiling: slices ${first}..${last} are outside 0..${nz - 1}`);
  }
  if (values.includes(background)) throw new Error(`signalCeiling: values include the background ${background}`);
  const plane = nx * ny;
  return values.map((value) => {
    let voxels = 0;
    let onZeroImage = 0;
    for (let i = first * plane; i < (last + 1) * plane; i++) {
      if (labels.data[i] !== value) continue;
      voxels++;
      if (image.data[i] === 0) onZeroImage++;
    }
    const seen = voxels - onZeroImage;
    return { value, voxels, onZeroImage, oracleDice: voxels === 0 ? NaN : (2 * seen) / (seen + voxels) };
  });
}
