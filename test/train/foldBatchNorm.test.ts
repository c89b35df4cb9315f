import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { batchNormalization } from '../../src/layers/batchNormalization.js';
import { foldBatchNorm } from '../../src/train/foldBatchNorm.js';
import { describeEachBackend } from '../helpers/backends.js';
import { maxAbsDiff } from '../helpers/numeric.js';

/** Gives every batch norm non-trivial gamma, beta, moving mean and variance (seeded). */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.weights.map((w) => {
        const name = w.originalName;
        const low = name.endsWith('variance') ? 0.2 : name.endsWith('gamma') ? 0.5 : -1;
        return tf.randomUniform(w.shape as number[], low, low + 1.5, 'float32', s++);
      }),
    );
  }
}

const countBn = (m: tfl.LayersModel): number => m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
const init = (seed: number) => tfl.initializers.glorotUniform({ seed });

async function compare(model: tfl.LayersModel, input: tf.Tensor): Promise<{ folded: tfl.LayersModel; diff: number }> {
  const folded = await foldBatchNorm(model);
  const a = model.predict(input) as tf.Tensor;
  const b = folded.predict(input) as tf.Tensor;
  const diff = maxAbsDiff(await a.data(), await b.data());
  tf.dispose([a, b]);
  return { folded, diff };
}

describeEachBackend('foldBatchNorm', () => {
  it('folds conv, transposed conv, depthwise and dense batch norms; same outputs within 1e-4', async () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const c1 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1), name: 'c1' }).apply(x) as tfl.SymbolicTensor;
    const b1 = tfl.layers.batchNormalization({ name: 'b1' }).apply(c1) as tfl.SymbolicTensor;
    const r1 = tfl.layers.reLU().apply(b1) as tfl.SymbolicTensor;
    const d2 = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init(2), name: 'd2' }).apply(r1) as tfl.SymbolicTensor;
    const b2 = tfl.layers.batchNormalization({ name: 'b2' }).apply(d2) as tfl.SymbolicTensor;
    const t3 = tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, kernelInitializer: init(3), name: 't3' }).apply(b2) as tfl.SymbolicTensor;
    const b3 = tfl.layers.batchNormalization({ name: 'b3', scale: false }).apply(t3) as tfl.SymbolicTensor;
    // c4's output feeds b4 AND the concat: b4 must stay (folding would change the concat input).
    const c4 = tfl.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: init(4), name: 'c4' }).apply(b3) as tfl.SymbolicTensor;
    const b4 = tfl.layers.batchNormalization({ name: 'b4' }).apply(c4) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([c4, b4]) as tfl.SymbolicTensor;
    // A batch norm after a concatenation cannot fold.
    const b5 = tfl.layers.batchNormalization({ name: 'b5' }).apply(cat) as tfl.SymbolicTensor;
    const dense = tfl.layers.dense({ units: 2, kernelInitializer: init(5), name: 'dense' }).apply(b5) as tfl.SymbolicTensor;
    const b6 = tfl.layers.batchNormalization({ name: 'b6', center: false }).apply(dense) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: b6 });
    randomizeBatchNorms(model, 7);
    const input = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 11);
    const before = tf.memory().numTensors;
    const { folded, diff } = await compare(model, input);
    expect(diff).toBeLessThan(1e-4);
    // b1, b2, b3, b6 folded; b4 (conv output shared) and b5 (after concat) kept.
    expect(countBn(model)).toBe(6);
    expect(countBn(folded)).toBe(2);
    expect(folded.layers.map((l) => l.name)).not.toContain('b1');
    expect(folded.getLayer('c1').getConfig().useBias).toBe(true);
    expect(folded.layers.length).toBe(model.layers.length - 4);
    folded.dispose();
    // The only tensors left are the folded model's weights, now disposed.
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    model.dispose();
  });

  it('folds 3D convs followed by unet-kit batch norms (rank 5)', async () => {
    const x = tfl.input({ shape: [4, 4, 4, 1] });
    const c = tfl.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init(8) }).apply(x) as tfl.SymbolicTensor;
    const b = batchNormalization().apply(c) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: tfl.layers.activation({ activation: 'sigmoid' }).apply(b) as tfl.SymbolicTensor });
    randomizeBatchNorms(model, 3);
    const input = tf.randomNormal([1, 4, 4, 4, 1], 0, 1, 'float32', 5);
    const { folded, diff } = await compare(model, input);
    expect(diff).toBeLessThan(1e-4);
    expect(countBn(folded)).toBe(0);
    folded.dispose();
    input.dispose();
    model.dispose();
  });

  it('folds a Sequential model', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: init(9) }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: init(10), activation: 'relu' }),
        // after a conv with a relu: cannot fold.
        tfl.layers.batchNormalization(),
      ],
    });
    randomizeBatchNorms(model, 1);
    const input = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 2);
    const { folded, diff } = await compare(model, input);
    expect(diff).toBeLessThan(1e-4);
    expect(countBn(folded)).toBe(1);
    folded.dispose();
    input.dispose();
    model.dispose();
  });

  it('rejects what is not a model', async () => {
    await expect(foldBatchNorm({} as never)).rejects.toThrow(/foldBatchNorm: model is \{\}; expected a tf.LayersModel/);
  });
});
