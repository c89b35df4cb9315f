// Quantization-aware training against post-training quantization on a trained demo model, wasm:
//   node --import tsx examples/brain-demo/qat.ts [--model out/demo/model] [--epochs 2] [--lr 3e-4] [--bits 8]
// Held-out Dice / HD95 (slices 40..61, the demo's pipeline) of: the float model; PTQ
// (quantizeAware + calibrateQuantization on 8 training slices, integer inference, no training);
// the float model fine-tuned --epochs with the demo's augmentation, then PTQ (the control: what
// the extra training alone gives); and QAT (quantizeAware, calibrated, fine-tuned the same way
// with fake quantization, integer inference).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from 'unet-kit/backend';
import { calibrateQuantization, quantizeAware, toIntegerInference } from 'unet-kit/compress';
import { modelDirHandler } from 'unet-kit/io';
import { demoData, fineTune, heldOut, trainingSet } from './compressKit.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'out/demo/model' },
    epochs: { type: 'string', default: '2' },
    lr: { type: 'string', default: '3e-4' },
    bits: { type: 'string', default: '8' },
  },
});
const epochs = Number(values.epochs);
const lr = Number(values.lr);
const backend = await useBackend('wasm');
const data = await demoData();
const load = () => tfl.loadLayersModel(modelDirHandler(values.model));
const { x, y } = trainingSet(data);
// Calibration: 8 whole training slices, spread over the training range.
const calibration = tf.tidy(() => tf.gather(x, tf.tensor1d([0, 4, 9, 14, 19, 24, 29, 33], 'int32')));
tf.dispose([x, y]);
const fmt = (s: { dice: number; hd95mm: number }) => `Dice ${s.dice.toFixed(4)} HD95 ${s.hd95mm.toFixed(2)} mm`;

const model = await load();
console.log(`backend ${backend}; float model: ${fmt(await heldOut(model, data))}`);
const control = await load();
const controlSeconds = await fineTune(control, data, epochs, lr);
console.log(`float fine-tune ${epochs} epochs (Adam ${lr}) in ${controlSeconds.toFixed(0)} s: ${fmt(await heldOut(control, data))}`);
for (const bits of values.bits.split(',').map(Number)) {
  const ptq = await quantizeAware(model, { weightBits: bits, activationBits: bits });
  calibrateQuantization(ptq, calibration);
  console.log(`${bits}/${bits} bits PTQ (integer inference): ${fmt(await heldOut(await toIntegerInference(ptq), data))}`);
  const tunedPtq = await quantizeAware(control, { weightBits: bits, activationBits: bits });
  calibrateQuantization(tunedPtq, calibration);
  console.log(`${bits}/${bits} bits float fine-tune + PTQ (integer inference): ${fmt(await heldOut(await toIntegerInference(tunedPtq), data))}`);
  const qat = await quantizeAware(model, { weightBits: bits, activationBits: bits });
  calibrateQuantization(qat, calibration);
  const seconds = await fineTune(qat, data, epochs, lr);
  console.log(`${bits}/${bits} bits QAT ${epochs} epochs in ${seconds.toFixed(0)} s (integer inference): ${fmt(await heldOut(await toIntegerInference(qat), data))}`);
}
