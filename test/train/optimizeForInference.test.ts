import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { batchNormalization } from '../../src/layers/batchNormalization.js';
import { optimizeForInference } from '../../src/train/optimizeForInference.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';

type T = tfl.SymbolicTensor;
const init = (seed: number) => tfl.initializers.glorotUniform({ seed });

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

const classes = (m: tfl.LayersModel): string[] => m.layers.map((l) => l.getClassName());

/** A small U-Net of conv + BN + ReLU units (the bench net's pattern) with a skip concatenation. */
function tinyUNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 1] });
  const unit = (x: T, filters: number, seed: number): T => {
    const c = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init(seed) }).apply(x) as T;
    return tfl.layers.reLU().apply(batchNormalization().apply(c) as T) as T;
  };
  const skip = unit(input, 4, 1);
  const down = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(skip) as T;
  const bottom = unit(down, 8, 2);
  const up = tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, kernelInitializer: init(3) }).apply(bottom) as T;
  const cat = tfl.layers.concatenate().apply([up, skip]) as T;
  // An ELU activation layer and a capped ReLU (not fusable into a conv's activation).
  const e = tfl.layers.activation({ activation: 'elu' }).apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(4) }).apply(cat) as T) as T;
  const capped = tfl.layers.reLU({ maxValue: 0.5 }).apply(tfl.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: init(5) }).apply(e) as T) as T;
  const head = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax', kernelInitializer: init(6) }).apply(capped) as T;
  return tfl.model({ inputs: input, outputs: head });
}

describeEachBackend('optimizeForInference', () => {
  it('folds batch norms and fuses ReLU / ELU layers into the convs; outputs equal predict within 1e-5', async () => {
    const model = tinyUNet();
    randomizeBatchNorms(model, 7);
    const input = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 11);
    const before = tf.memory().numTensors;
    const { model: fast, foldedBatchNorms, fusedActivations } = await optimizeForInference(model);
    expect(foldedBatchNorms).toBe(2);
    expect(fusedActivations).toBe(3); // two ReLUs after folded BNs and the ELU; the capped ReLU stays
    expect(classes(fast).filter((c) => c === 'BatchNormalization')).toHaveLength(0);
    expect(classes(fast).filter((c) => c === 'ReLU')).toHaveLength(1);
    expect(classes(fast)).not.toContain('Activation');
    expect(fast.layers.length).toBe(model.layers.length - 5);
    const convActivations = fast.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { activation: string }).activation);
    expect(convActivations).toEqual(['relu', 'relu', 'elu', 'linear', 'softmax']);
    const [a, b] = [model.predict(input) as tf.Tensor, fast.predict(input) as tf.Tensor];
    expect(b.shape).toEqual(a.shape);
    expectClose(await b.data(), await a.data(), 1e-5, 'optimized output');
    tf.dispose([a, b]);
    fast.dispose();
    // Only the new model's weights were created, and they are gone.
    expect(tf.memory().numTensors).toBe(before);
    expect(model.layers.length).toBe(15); // the input model is unchanged
    input.dispose();
    model.dispose();
  });

  it('fuses a Sequential model; a conv with two consumers or its own activation keeps its activation layer', async () => {
    const sequential = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'sigmoid', kernelInitializer: init(2) }),
        tfl.layers.reLU(), // after a conv that has its own activation: stays
      ],
    });
    randomizeBatchNorms(sequential, 3);
    const input = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 4);
    const result = await optimizeForInference(sequential);
    expect([result.foldedBatchNorms, result.fusedActivations]).toEqual([1, 1]);
    expect(classes(result.model)).toEqual(['Conv2D', 'Conv2D', 'ReLU']);
    let [a, b] = [sequential.predict(input) as tf.Tensor, result.model.predict(input) as tf.Tensor];
    expectClose(await b.data(), await a.data(), 1e-5, 'sequential');
    tf.dispose([a, b]);
    result.model.dispose();

    // A conv whose output also feeds a concat: its ReLU cannot move into it.
    const x = tfl.input({ shape: [8, 8, 1] });
    const c = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: init(5) }).apply(x) as T;
    const r = tfl.layers.reLU().apply(c) as T;
    const shared = tfl.model({ inputs: x, outputs: tfl.layers.concatenate().apply([c, r]) as T });
    const same = await optimizeForInference(shared);
    expect([same.foldedBatchNorms, same.fusedActivations]).toEqual([0, 0]);
    [a, b] = [shared.predict(input) as tf.Tensor, same.model.predict(input) as tf.Tensor];
    expectClose(await b.data(), await a.data(), 1e-6, 'shared conv');
    tf.dispose([a, b, input]);
    same.model.dispose();
    sequential.dispose();
    shared.dispose();
  });

  it('rejects what is not a model', async () => {
    await expect(optimizeForInference(null as never)).rejects.toThrow(/optimizeForInference: model is null; expected a tf.LayersModel/);
  });
});
