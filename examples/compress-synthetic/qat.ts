// Quantization-aware training against post-training quantization on the synthetic task, on wasm:
//   node --import tsx examples/compress-synthetic/qat.ts [--tune 3] [--bits 8,4]
// Reuses out/compress-synthetic/base (run prune.ts first, or it trains one). For each weight /
// activation bit width: held-out Dice of the float model, of saveModel's uint8 weights (per
// tensor, weights only), of post-training quantization (quantizeAware + calibrateQuantization,
// integer inference, no training) and of QAT (the same, then fine-tuned with fake quantization
// for --tune epochs, integer inference).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from 'unet-kit/backend';
import { calibrateQuantization, quantizeAware, toIntegerInference } from 'unet-kit/compress';
import { loadModel, saveModel } from 'unet-kit/io';
import { baseModel, heldOutDice, syntheticTask, train } from './task.js';

const { values } = parseArgs({ options: { tune: { type: 'string', default: '3' }, bits: { type: 'string', default: '8,4' } } });
const backend = await useBackend('wasm');
const trainSet = syntheticTask(96, 1);
const testSet = syntheticTask(32, 2);
const { model } = await baseModel('out/compress-synthetic/base', 15);
const dice = (m: Parameters<typeof heldOutDice>[0]) => Number(heldOutDice(m, testSet.x, testSet.y).toFixed(4));
const floatDice = dice(model);
const dir = await mkdtemp(join(tmpdir(), 'unet-kit-qat-'));
await saveModel(model, dir, { quantize: 'uint8' });
const uint8Dice = dice(await loadModel(dir));
await rm(dir, { recursive: true, force: true });
const calibration = tf.slice(trainSet.x, 0, 32);
const rows: Array<Record<string, unknown>> = [];
for (const bits of values.bits.split(',').map(Number)) {
  const ptq = await quantizeAware(model, { weightBits: bits, activationBits: bits });
  calibrateQuantization(ptq, calibration);
  const ptqDice = dice(await toIntegerInference(ptq));
  const qat = await quantizeAware(model, { weightBits: bits, activationBits: bits });
  calibrateQuantization(qat, calibration);
  const start = Date.now();
  await train(qat, trainSet.x, trainSet.y, Number(values.tune), 1e-3);
  const seconds = (Date.now() - start) / 1000;
  const qatDice = dice(await toIntegerInference(qat));
  // The same fine-tune in float: how much of QAT's gain is the extra training alone.
  const again = await loadModel('out/compress-synthetic/base');
  await train(again, trainSet.x, trainSet.y, Number(values.tune), 1e-3);
  const tunedPtq = await quantizeAware(again, { weightBits: bits, activationBits: bits });
  calibrateQuantization(tunedPtq, calibration);
  rows.push({ bits, float: floatDice, 'uint8 weights (saveModel)': uint8Dice, 'PTQ int': ptqDice, 'float fine-tune + PTQ int': dice(await toIntegerInference(tunedPtq)), 'QAT int': qatDice, 'QAT s': Math.round(seconds) });
}
console.log(`backend ${backend}; QAT fine-tune ${values.tune} epochs at lr 1e-3; calibration on 32 training images; 32 held-out images`);
console.table(rows);
