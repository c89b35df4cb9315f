import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';

/**
 * Writes `image | truth | prediction` for one axial slice as a PNG (each panel the grey-scale
 * slice, the second with the truth in green, the third with the prediction in red), 2x enlarged.
 *
 * @param image - `[1, D, H, W, 1]` (normalized; the slice is min-max scaled for display).
 * @param truth - `[1, S, H, W, 1]` masks of the evaluated slices; `index` selects the slice in it.
 */
export async function writeOverlay(file: string, image: tf.Tensor, truth: tf.Tensor, prediction: tf.Tensor, slice: number, index: number): Promise<void> {
  const [, , H, W] = image.shape as number[];
  const read = (t: tf.Tensor, s: number): Float32Array =>
    tf.tidy(() => tf.slice(t, [0, s, 0, 0, 0], [1, 1, -1, -1, 1]).dataSync() as Float32Array);
  const grey = read(image, slice);
  const gt = read(truth, index);
  const pred = read(prediction, index);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grey) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = 2;
  const gap = 4;
  const width = (3 * W! + 2 * gap) * scale;
  const height = H! * scale;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const colours: Array<[number, number, number] | undefined> = [undefined, [0, 220, 0], [230, 0, 0]];
  const masks = [undefined, gt, pred];
  for (let panel = 0; panel < 3; panel++) {
    for (let y = 0; y < H!; y++) {
      for (let x = 0; x < W!; x++) {
        const i = y * W! + x;
        const g = Math.round(((grey[i]! - lo) / Math.max(hi - lo, 1e-6)) * 255);
        let rgb: [number, number, number] = [g, g, g];
        const mask = masks[panel];
        const colour = colours[panel];
        if (mask !== undefined && colour !== undefined && mask[i]! > 0.5) {
          rgb = [0, 1, 2].map((c) => Math.round(0.45 * g + 0.55 * colour[c]!)) as [number, number, number];
        }
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = ((panel * (W! + gap) + x) * scale + dx) * 4 + (y * scale + dy) * width * 4;
            png.data[px] = rgb[0];
            png.data[px + 1] = rgb[1];
            png.data[px + 2] = rgb[2];
            png.data[px + 3] = 255;
          }
        }
      }
    }
  }
  await writeFile(file, PNG.sync.write(png));
}
