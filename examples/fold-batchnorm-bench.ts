// Bench: inference time of a U-Net before and after foldBatchNorm (same outputs, fewer ops).
// node --import tsx examples/fold-batchnorm-bench.ts [--backend wasm|cpu] [--size 128] [--runs 10]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from 'unet-kit/backend';
import { unet } from 'unet-kit/models';
import { foldBatchNorm } from 'unet-kit/train';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'auto' }, size: { type: 'string', default: '128' }, runs: { type: 'string', default: '10' } },
});
const backend = await useBackend(values.backend as BackendName);
const size = Number(values.size);
const runs = Number(values.runs);
const model = unet({ inputShape: [size, size, 1], numClasses: 2, filters: [16, 32, 64, 128, 256], norm: 'batch', seed: 0 });
// Non-trivial batch statistics, as after training.
for (const layer of model.layers) {
  if (layer.getClassName() !== 'BatchNormalization') continue;
  layer.setWeights(layer.weights.map((w, i) => tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i + 1)));
}
const folded = await foldBatchNorm(model);
const x = tf.randomNormal([4, size, size, 1], 0, 1, 'float32', 0);

async function time(m: typeof model): Promise<number> {
  const warm = m.predict(x) as tf.Tensor;
  await warm.data();
  warm.dispose();
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const y = m.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  }
  return (performance.now() - start) / runs;
}

const a = model.predict(x) as tf.Tensor;
const b = folded.predict(x) as tf.Tensor;
const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
const before = await time(model);
const after = await time(folded);
const bn = (m: typeof model) => m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
console.log(`backend ${backend}, U-Net filters 16..256, input 4x${size}x${size}x1, ${model.countParams()} params`);
console.log(`layers ${model.layers.length} -> ${folded.layers.length} (batch norms ${bn(model)} -> ${bn(folded)}), max |diff| ${diff.toExponential(2)}`);
console.log(`predict: ${before.toFixed(1)} ms -> ${after.toFixed(1)} ms per batch (${((1 - after / before) * 100).toFixed(1)}% less), mean of ${runs}`);
