// Trains the brain model the "Predict and inspect" example ships (docs/examples/data/brain-unet/):
// a 2.5D U-Net (3 adjacent axial slices as channels, filters [8, 16, 32], instance norm) on
// axial slices 0..39 of the bundled 64 x 64 x 62 MRI, Dice + cross-entropy, Adam, left-right
// flips; saved with uint8-quantized weights. Prints the held-out (slices 40..61) Dice.
// Run: node --import tsx docs/examples/trainModel.ts [steps]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { augmentedBatches, flip } from 'unet-kit/augment';
import { useBackend } from 'unet-kit/backend';
import { niftiToTensor, readNifti, sliceStacks, zScoreNormalize } from 'unet-kit/data';
import { saveModel } from 'unet-kit/io';
import { diceCELoss } from 'unet-kit/losses';
import { diceCoefficient } from 'unet-kit/metrics';
import { unet } from 'unet-kit/models';
import { loadTensorflowBackend, tensorflowAvailability } from '../../test/helpers/tensorflowBackend.js';

const data = join(fileURLToPath(new URL('.', import.meta.url)), 'data');
const steps = Number(process.argv[2] ?? 300);
// tfjs-node where it is installed or provisioned (several times faster than wasm here).
if (tensorflowAvailability().available) loadTensorflowBackend();
const backend = await useBackend('auto');
const [image, mask] = await Promise.all(['brain-t1-64.nii.gz', 'brain-mask-64.nii.gz'].map(async (name) => readNifti(await readFile(join(data, name)))));
const rows = (from: number, to: number): tf.Tensor1D => tf.tensor1d(Array.from({ length: to - from + 1 }, (_, i) => from + i), 'int32');
const { trainX, trainY, heldX, heldY } = tf.tidy(() => {
  const x = sliceStacks(zScoreNormalize(niftiToTensor(image!, { dtype: 'float32' })), { axis: 0, k: 3 });
  const y = tf.reshape(tf.cast(tf.notEqual(niftiToTensor(mask!, { dtype: 'int32' }), 0), 'float32'), [62, 64, 64, 1]);
  return { trainX: tf.gather(x, rows(0, 39)), trainY: tf.gather(y, rows(0, 39)), heldX: tf.gather(x, rows(40, 61)), heldY: tf.gather(y, rows(40, 61)) };
});
const model = unet({ inputShape: [null, null, 3], numClasses: 1, filters: [8, 16, 32], norm: 'instance', finalActivation: 'none', seed: 0, name: 'brain_unet25d' });
model.compile({ optimizer: tf.train.adam(3e-3), loss: diceCELoss({ activation: 'sigmoid' }) });
const batches = augmentedBatches({ image: trainX, mask: trainY }, { batchSize: 8, transform: flip({ axes: [1] }), epochs: Infinity, seed: 0 })();
const started = Date.now();
let loss = NaN;
for (let step = 1; step <= steps; step++) {
  const { xs, ys } = batches.next().value!;
  loss = (await model.trainOnBatch(xs, ys!)) as number;
  tf.dispose([xs, ys!]);
  if (step % 50 === 0) console.log(`step ${step}: loss ${loss.toFixed(4)}`);
}
const heldDice = tf.tidy(() => diceCoefficient()(tf.reshape(heldY, [1, -1, 1]), tf.cast(tf.greaterEqual(tf.reshape(tf.sigmoid(model.predict(heldX) as tf.Tensor), [1, -1, 1]), 0.5), 'float32')).dataSync()[0]!);
await saveModel(model, join(data, 'brain-unet'), { quantize: 'uint8' });
console.log(
  `${steps} steps on ${backend} in ${((Date.now() - started) / 1000).toFixed(1)} s, last loss ${loss.toFixed(4)}, held-out Dice ${heldDice.toFixed(4)}, ` +
    `${model.countParams()} parameters -> docs/examples/data/brain-unet/ (uint8 weights)`,
);
