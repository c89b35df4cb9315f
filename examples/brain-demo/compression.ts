// Measures Grad-CAM and weight quantization on a trained demo model:
//   node --import tsx examples/brain-demo/compression.ts [--model out/demo/model] [--out out/demo]
// Prints weights.bin sizes and held-out Dice / HD95 (slices 40..61, the demo's own pipeline) for
// float32 and the uint8 / uint16 / float16 saves, the Grad-CAM time for one slice, and writes a
// Grad-CAM overlay PNG.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from 'unet-kit/backend';
import { sliceStacks } from 'unet-kit/data';
import { camOverlay, encodePng, gradCam } from 'unet-kit/explain';
import { keepLargestComponent, predictVolume25D, threshold } from 'unet-kit/inference';
import { modelDirHandler, saveModel } from 'unet-kit/io';
import { loadBrain } from './data.js';
import { demoSettings, scoreMasks } from './run.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'out/demo/model' }, out: { type: 'string', default: 'out/demo' } } });
const backend = await useBackend('wasm');
const settings = demoSettings(false);
const volume = await loadBrain();
const truth = tf.tidy(() => tf.gather(volume.mask, tf.tensor1d(settings.testSlices, 'int32'), 1));
const spacing = [...volume.spacing];

async function heldOut(model: tfl.LayersModel) {
  const predict = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const probs = await predictVolume25D(predict, volume.image, {
    k: settings.k,
    axis: 0,
    slices: settings.testSlices,
    slidingWindow: { roiSize: [settings.crop, settings.crop], overlap: 0.5, batchSize: 16 },
  });
  const mask = keepLargestComponent(threshold(probs), { connectivity: 26 });
  const score = scoreMasks(mask, truth, spacing);
  tf.dispose([probs, mask]);
  return score;
}

const model = await tfl.loadLayersModel(modelDirHandler(values.model));
const rows: Array<Record<string, unknown>> = [];
const floatScore = await heldOut(model);
const floatBytes = (await stat(join(values.model, 'weights.bin'))).size;
rows.push({ weights: 'float32', bytes: floatBytes, ...floatScore });
await mkdir(values.out, { recursive: true });
for (const quantize of ['uint8', 'uint16', 'float16'] as const) {
  const dir = join(values.out, `model-${quantize}`);
  await saveModel(model, dir, { quantize });
  const bytes = (await stat(join(dir, 'weights.bin'))).size;
  const loaded = await tfl.loadLayersModel(modelDirHandler(dir));
  const score = await heldOut(loaded);
  loaded.dispose();
  rows.push({ weights: quantize, bytes, sizeChange: bytes / floatBytes - 1, ...score, diceChange: score.dice - floatScore.dice });
}
console.log(`backend ${backend}; held-out slices ${settings.testSlices[0]}..${settings.testSlices.at(-1)}`);
console.table(rows);

// Grad-CAM of the brain class on held-out slice 50 (2.5D stack of slices 49..51), 128x128.
const slice = 50;
const stack = tf.tidy(() => tf.slice(sliceStacks(volume.image, { axis: 0, k: settings.k }), [slice, 0, 0, 0], [1, -1, -1, -1]));
for (const [layer, method] of [['dec0_act2', 'gradcam'], ['bottleneck_act2', 'gradcam'], ['bottleneck_act2', 'gradcam++']] as const) {
  gradCam(model, stack, { layer, method }).dispose(); // warm-up
  const start = performance.now();
  const cam = gradCam(model, stack, { layer, method });
  const ms = performance.now() - start;
  const centre = tf.tidy(() => tf.slice(stack, [0, 0, 0, 1], [1, -1, -1, 1]));
  const inside = tf.tidy(() => {
    const m = tf.reshape(tf.slice(volume.mask, [0, slice, 0, 0, 0], [1, 1, -1, -1, 1]), cam.shape);
    const meanOver = (w: tf.Tensor) => tf.div(tf.sum(tf.mul(cam, w)), tf.sum(w)).dataSync()[0]!;
    return [meanOver(m), meanOver(tf.sub(1, m))];
  });
  const file = join(values.out, `gradcam-${layer}-${method}-slice-${slice}.png`);
  await writeFile(file, await encodePng(camOverlay(centre, cam)));
  console.log(`gradCam ${method} at ${layer}, 128x128 slice: ${ms.toFixed(0)} ms; mean map inside the brain ${inside[0]!.toFixed(3)}, outside ${inside[1]!.toFixed(3)}; ${file}`);
  tf.dispose([cam, centre]);
}
tf.dispose([stack, truth, volume.image, volume.mask]);
model.dispose();
