// Prunes 50% of the filters of a trained demo model (L1 norm, Li et al. 2017), fine-tunes it
// with the demo's own training pipeline, and reports parameters, conv FLOPs at 128x128, wasm
// inference time and held-out Dice / HD95 before and after fine-tuning:
//   node --import tsx examples/brain-demo/prune.ts [--model out/demo/model] [--epochs 3] [--ratio 0.5]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { affine, augmentedBatches, brightness, compose, flip, foregroundCrop, gaussianNoise } from '../../src/augment/index.js';
import { useBackend } from '../../src/backend/index.js';
import { convFlops, pruneFilters } from '../../src/compress/index.js';
import { sliceStacks } from '../../src/data/index.js';
import { keepLargestComponent, predictVolume25D, threshold } from '../../src/inference/index.js';
import { modelDirHandler } from '../../src/io/index.js';
import { diceCELoss } from '../../src/losses/index.js';
import { loadBrain } from './data.js';
import { demoSettings, scoreMasks } from './run.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'out/demo/model' }, epochs: { type: 'string', default: '3' }, ratio: { type: 'string', default: '0.5' } } });
const backend = await useBackend('wasm');
const settings = demoSettings(false);
const volume = await loadBrain();
const stacks = sliceStacks(volume.image, { axis: 0, k: settings.k });
const truth = tf.tidy(() => tf.gather(volume.mask, tf.tensor1d(settings.testSlices, 'int32'), 1));
const spacing = [...volume.spacing];

async function heldOut(model: tfl.LayersModel) {
  const predict = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const probs = await predictVolume25D(predict, volume.image, { k: settings.k, axis: 0, slices: settings.testSlices, slidingWindow: { roiSize: [settings.crop, settings.crop], overlap: 0.5, batchSize: 16 } });
  const mask = keepLargestComponent(threshold(probs), { connectivity: 26 });
  const score = scoreMasks(mask, truth, spacing);
  tf.dispose([probs, mask]);
  return score;
}

function inferenceMs(model: tfl.LayersModel): number {
  const x = tf.slice(stacks, [50, 0, 0, 0], [1, -1, -1, -1]);
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const runs = 5;
  const start = performance.now();
  for (let i = 0; i < runs; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  x.dispose();
  return (performance.now() - start) / runs;
}

const model = await tfl.loadLayersModel(modelDirHandler(values.model));
const shape = [128, 128, settings.k];
const report = async (label: string, m: tfl.LayersModel, score?: Awaited<ReturnType<typeof heldOut>>) => {
  const s = score ?? (await heldOut(m));
  console.log(`${label}: ${m.countParams()} parameters, ${(await convFlops(m, shape) / 1e9).toFixed(3)} GFLOPs (128x128), wasm predict of one 128x128 slice ${inferenceMs(m).toFixed(1)} ms, held-out Dice ${s.dice.toFixed(4)} HD95 ${s.hd95mm.toFixed(2)} mm`);
  return s;
};
console.log(`backend ${backend}`);
await report('original', model);
const { model: small } = await pruneFilters(model, { ratio: Number(values.ratio) });
await report(`pruned ${values.ratio}, before fine-tuning`, small);

const trainX = tf.gather(stacks, tf.tensor1d(settings.trainSlices, 'int32'));
const masks = tf.reshape(volume.mask, [volume.mask.shape[1], volume.mask.shape[2], volume.mask.shape[3], 1]);
const trainY = tf.gather(masks, tf.tensor1d(settings.trainSlices, 'int32'));
const augment = compose(
  [
    [foregroundCrop([settings.crop, settings.crop], { pos: 1, neg: 1 }), 1],
    [affine({ rotation: 15, scale: [0.9, 1.1] }), 0.3],
    [flip({ axes: [1] }), 1],
    [gaussianNoise({ std: [0, 0.1] }), 0.15],
    [brightness({ range: [0.85, 1.15] }), 0.15],
  ],
  { seed: 1 },
);
const batches = augmentedBatches({ image: trainX, mask: trainY }, { batchSize: settings.batchSize, transform: augment, epochs: Infinity, seed: 1 });
small.compile({ optimizer: tf.train.adam(1e-3), loss: diceCELoss({ activation: 'sigmoid' }) });
const start = Date.now();
await small.fitDataset({ size: null, iterator: async () => { const generator = batches(); return { next: async () => generator.next() }; } } as never, { epochs: Number(values.epochs), batchesPerEpoch: settings.batchesPerEpoch, verbose: 0 });
console.log(`fine-tuned ${values.epochs} epochs x ${settings.batchesPerEpoch} batches in ${((Date.now() - start) / 1000).toFixed(1)} s`);
await report(`pruned ${values.ratio}, fine-tuned`, small);
