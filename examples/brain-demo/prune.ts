// Prunes 50% of the filters of a trained demo model (L1 norm, Li et al. 2017), fine-tunes it
// with the demo's own training pipeline, and reports parameters, conv FLOPs at 128x128, wasm
// inference time and held-out Dice / HD95 before and after fine-tuning:
//   node --import tsx examples/brain-demo/prune.ts [--model out/demo/model] [--epochs 3] [--lr 1e-3] [--ratio 0.5] [--rounds 15] [--time-only]
// The timing predicts a whole 128x128 slice and a batch of 16 64x64 windows (one step of the
// demo's sliding-window inference) with the original and the pruned model in alternation, so a
// loaded machine slows both alike, and prints the fastest and the median of --rounds (0: no
// timing). Fine-tuning keeps the pruned architecture, so one timing serves both.
// --time-only skips the held-out scores and the fine-tune (for a run under a CPU lock).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from 'unet-kit/backend';
import { convFlops, pruneFilters } from 'unet-kit/compress';
import { modelDirHandler } from 'unet-kit/io';
import { demoData, fineTune, heldOut } from './compressKit.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'out/demo/model' },
    epochs: { type: 'string', default: '3' },
    lr: { type: 'string', default: '1e-3' },
    ratio: { type: 'string', default: '0.5' },
    rounds: { type: 'string', default: '15' },
    'time-only': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const backend = await useBackend('wasm');
const data = await demoData();

function once(model: tfl.LayersModel, x: tf.Tensor): number {
  const start = performance.now();
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  return performance.now() - start;
}

/** Fastest / median ms of `rounds` predictions of `x` by each model, the models in alternation. */
function alternate(models: tfl.LayersModel[], x: tf.Tensor): string[] {
  for (const m of models) once(m, x); // warm-up
  const times = models.map((): number[] => []);
  for (let r = 0; r < rounds; r++) models.forEach((m, i) => times[i]!.push(once(m, x)));
  return times.map((t) => {
    const sorted = [...t].sort((a, b) => a - b);
    return `${sorted[0]!.toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms`;
  });
}

const model = await tfl.loadLayersModel(modelDirHandler(values.model));
const report = async (label: string, m: tfl.LayersModel) => {
  const params = `${m.countParams()} parameters, ${((await convFlops(m, [128, 128, data.settings.k])) / 1e9).toFixed(3)} GFLOPs (128x128)`;
  if (values['time-only']) {
    console.log(`${label}: ${params}`);
    return;
  }
  const s = await heldOut(m, data);
  console.log(`${label}: ${params}, held-out Dice ${s.dice.toFixed(4)} HD95 ${s.hd95mm.toFixed(2)} mm`);
};
console.log(`backend ${backend}`);
await report('original', model);
const { model: small } = await pruneFilters(model, { ratio: Number(values.ratio) });
await report(`pruned ${values.ratio}, before fine-tuning`, small);

if (rounds > 0) {
  const slice = tf.slice(data.stacks, [50, 0, 0, 0], [1, -1, -1, -1]);
  const windows = tf.tidy(() => tf.tile(tf.slice(data.stacks, [50, 32, 32, 0], [1, 64, 64, -1]), [16, 1, 1, 1]));
  const [a, b] = alternate([model, small], slice);
  const [c, d] = alternate([model, small], windows);
  console.log(`wasm predict, fastest / median of ${rounds} alternating rounds: one 128x128 slice: original ${a}, pruned ${b}; 16 windows 64x64: original ${c}, pruned ${d}`);
  tf.dispose([slice, windows]);
}

if (!values['time-only']) {
  const seconds = await fineTune(small, data, Number(values.epochs), Number(values.lr));
  console.log(`fine-tuned ${values.epochs} epochs x ${data.settings.batchesPerEpoch} batches (Adam ${values.lr}) in ${seconds.toFixed(1)} s`);
  await report(`pruned ${values.ratio}, fine-tuned`, small);
}
