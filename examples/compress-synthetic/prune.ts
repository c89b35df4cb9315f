// L1-norm filter pruning (pruneFilters) measured on a small demo-like U-Net (64x64, filters
// [8, 16, 32], instance norm) trained on the synthetic discs-vs-squares task, on wasm:
//   node --import tsx examples/compress-synthetic/prune.ts [--epochs 15] [--tune 5] [--ratio 0.5]
// Prints parameters, conv FLOPs (64x64), wasm inference time (one 64x64 and one 256x256 image,
// the same weights) and held-out Dice before pruning, after pruning and after fine-tuning. The
// trained float model is kept in out/compress-synthetic/base for the other scripts.
import { parseArgs } from 'node:util';
import type * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from 'unet-kit/backend';
import { convFlops, pruneFilters } from 'unet-kit/compress';
import { baseModel, heldOutDice, inferenceMs, SIZE, syntheticTask, train } from './task.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '15' }, tune: { type: 'string', default: '5' }, ratio: { type: 'string', default: '0.5' } } });
const backend = await useBackend('wasm');
const trainSet = syntheticTask(96, 1);
const testSet = syntheticTask(32, 2);

async function row(label: string, model: tfl.LayersModel): Promise<Record<string, unknown>> {
  return {
    model: label,
    parameters: model.countParams(),
    MFLOPs: Number(((await convFlops(model, [SIZE, SIZE, 1])) / 1e6).toFixed(2)),
    ms64: Number(inferenceMs(model).toFixed(1)),
    ms256: Number(inferenceMs(model, 10, 256).toFixed(1)),
    dice: Number(heldOutDice(model, testSet.x, testSet.y).toFixed(4)),
  };
}

const { model, seconds } = await baseModel('out/compress-synthetic/base', Number(values.epochs));
const rows = [await row('original', model)];
const { model: small } = await pruneFilters(model, { ratio: Number(values.ratio) });
rows.push(await row(`pruned ${values.ratio}`, small));
const start = Date.now();
await train(small, trainSet.x, trainSet.y, Number(values.tune), 3e-3);
const tuneSeconds = (Date.now() - start) / 1000;
rows.push(await row(`pruned ${values.ratio} + ${values.tune} epochs fine-tune`, small));
console.log(`backend ${backend}; base trained ${values.epochs} epochs (${seconds.toFixed(0)} s, 0: reused), fine-tune ${values.tune} epochs in ${tuneSeconds.toFixed(0)} s; 96 train / 32 held-out images`);
console.table(rows);
