// Renders docs/augmentations.png: a grid of unet-kit's augmentations applied to a real MRI slice
// (ITK's T1 example, examples/data/itk-brain-t1) with its brain mask tinted red, so the picture
// also shows image and mask moving together. Run: node --import tsx docs/augmentations.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import {
  affine,
  brightness,
  contrast,
  cutmix,
  defaultAugmentation,
  elasticDeform,
  flip,
  gamma,
  gaussianBlur,
  gaussianNoise,
  mixup,
  nnUNetAugmentation,
  randomCrop,
  rotate90,
  simulateLowResolution,
  type Sample,
  type Transform,
} from '../src/augment/index.js';
import { resizeSpatial } from '../src/ops/resample.js';
import { useBackend } from '../src/backend/useBackend.js';
import { niftiToTensor, readNifti } from '../src/data/index.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The panels, in reading order (the README caption lists the same names). */
const panels: Array<[string, Transform | null]> = [
  ['original', null],
  ['flip (up-down)', flip({ axes: [0], probability: 1 })],
  ['rotate90', rotate90({ k: 1 })],
  ['affine (rot 15, scale 0.9..1.1)', affine({ rotation: [12, 15], scale: [1.05, 1.1] })],
  ['affine (shear, translation)', affine({ rotation: 0, scale: [1, 1], shear: 0.25, translation: 0.1 })],
  ['elasticDeform (alpha 150, sigma 8)', elasticDeform({ alpha: [150, 150], sigma: 8 })],
  ['randomCrop (resized for display)', randomCrop([80, 80])],
  ['gaussianNoise (std 0.05)', gaussianNoise({ std: 0.05 })],
  ['gaussianBlur (sigma 1.5)', gaussianBlur({ sigma: 1.5 })],
  ['brightness x1.25', brightness({ range: [1.25, 1.25] })],
  ['contrast x0.6', contrast({ range: [0.6, 0.6] })],
  ['gamma 1.5', gamma({ range: [1.5, 1.5] })],
  ['gamma 1.5 inverted', gamma({ range: [1.5, 1.5], invert: true })],
  ['simulateLowResolution (0.4)', simulateLowResolution({ zoom: 0.4 })],
  ['nnUNetAugmentation', nnUNetAugmentation({ spatialDims: 2 })],
  ['defaultAugmentation', defaultAugmentation()],
];

async function main(): Promise<void> {
  await useBackend('wasm');
  const volume = niftiToTensor(await readNifti(readFileSync(here('../examples/data/itk-brain-t1/KmeansTest_T1UCharRaw.nii.gz'))), { dtype: 'float32' });
  const brain = niftiToTensor(await readNifti(readFileSync(here('../examples/data/itk-brain-t1/KmeansTest_T1RawSkullStrip.nii.gz'))));
  // Slice k of [1, z, y, x, 1] as [1, y, x, 1]; rows are y, flipped so that world-superior is up.
  const slice = (v: tf.Tensor, k: number) => tf.reverse(tf.reshape(tf.slice(v, [0, k, 0, 0, 0], [1, 1, -1, -1, 1]), [1, 128, 128, 1]), 1);
  const sliceSample = (k: number): Sample =>
    tf.tidy(() => ({ image: tf.div(slice(volume, k), 255), mask: tf.cast(tf.greater(slice(brain, k), 0), 'int32') }));
  const sample = sliceSample(31);
  // cutmix and mixup need a partner: pair the slice with another slice of the volume.
  const other = sliceSample(20);
  const pair = (): Sample => ({ image: tf.concat([sample.image, other.image]), mask: tf.concat([sample.mask!, other.mask!]) });
  const cutmixPanel = tf.tidy(() => {
    const out = cutmix().apply(pair(), { partner: [1, 0], lambda: [0.7, 0.7], starts: [[50, 60], [0, 0]], ends: [[110, 128], [1, 1]] });
    return { image: tf.slice(out.image, [0], [1]), mask: tf.slice(out.mask!, [0], [1]) };
  });
  const mixupPanel = tf.tidy(() => {
    const out = mixup().apply(pair(), { partner: [1, 0], lambda: [0.6, 0.6] });
    // The soft mask is shown where it is at least one half.
    return { image: tf.slice(out.image, [0], [1]), mask: tf.cast(tf.greaterEqual(tf.slice(out.mask!, [0], [1]), 0.5), 'int32') };
  });
  panels.splice(panels.length - 2, 0, ['cutmix (box from slice 20)', null], ['mixup (0.6 with slice 20)', null]);

  const cell = 192;
  const gap = 6;
  const columns = 6;
  const rows = Math.ceil(panels.length / columns);
  const png = new PNG({ width: columns * cell + (columns + 1) * gap, height: rows * cell + (rows + 1) * gap });
  png.data.fill(255);
  for (let p = 0; p < panels.length; p++) {
    const [name, transform] = panels[p]!;
    const out = name.startsWith('cutmix') ? cutmixPanel : name.startsWith('mixup') ? mixupPanel : transform === null ? sample : transform(sample, 1000 + p);
    const [image, mask] = tf.tidy(() => [
      resizeSpatial(tf.clipByValue(out.image, 0, 1), [cell, cell], 'linear'),
      resizeSpatial(tf.cast(out.mask!, 'float32'), [cell, cell], 'nearest'),
    ]);
    const pixels = await image!.data();
    const labels = await mask!.data();
    const x0 = gap + (p % columns) * (cell + gap);
    const y0 = gap + Math.floor(p / columns) * (cell + gap);
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const g = Math.round(255 * pixels[y * cell + x]!);
        const tint = labels[y * cell + x]! > 0 ? 0.35 : 0;
        const at = ((y0 + y) * png.width + x0 + x) * 4;
        png.data[at] = Math.round(g * (1 - tint) + 255 * tint);
        png.data[at + 1] = Math.round(g * (1 - tint));
        png.data[at + 2] = Math.round(g * (1 - tint));
        png.data[at + 3] = 255;
      }
    }
    tf.dispose([image!, mask!]);
    if (out !== sample && out !== cutmixPanel && out !== mixupPanel) tf.dispose([out.image, out.mask!]);
    console.log(`${p + 1}. ${name}`);
  }
  writeFileSync(here('./augmentations.png'), PNG.sync.write(png));
  tf.dispose([volume, brain, sample.image, sample.mask!, other.image, other.mask!, cutmixPanel.image, cutmixPanel.mask, mixupPanel.image, mixupPanel.mask]);
  console.log(`wrote docs/augmentations.png (${png.width} x ${png.height}); tensors left: ${tf.memory().numTensors}`);
}

await main();
