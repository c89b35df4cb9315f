import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { convFlops, pruneFilters } from '../../src/compress/prune.js';
import { UnetKitError } from '../../src/core/errors.js';
import { unet } from '../../src/models/unet.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';

/** input(1) -> convA(4) -> relu -> concat(input, relu) (a skip) -> convB(2): the answer is known. */
function skipNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 1] });
  const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'convA' }).apply(input) as tfl.SymbolicTensor;
  const r = tfl.layers.activation({ activation: 'relu', name: 'reluA' }).apply(a) as tfl.SymbolicTensor;
  const c = tfl.layers.concatenate({ name: 'skip' }).apply([input, r]) as tfl.SymbolicTensor;
  const out = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'convB' }).apply(c) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  tf.tidy(() => {
    // Filter L1 norms 9 * [2, 0.5, 3, 1]: ratio 0.5 keeps filters 0 and 2.
    const kernel = tf.mul(tf.randomUniform([3, 3, 1, 4], 0.9, 1.1, 'float32', 5), tf.tensor1d([2, 0.5, 3, 1]));
    const sign = tf.tensor1d([1, -1, 1, -1]);
    model.getLayer('convA').setWeights([tf.mul(kernel, sign), tf.tensor1d([0.1, 0.2, -0.1, 0.3])]);
    model.getLayer('convB').setWeights([tf.randomNormal([1, 1, 5, 2], 0, 1, 'float32', 6), tf.tensor1d([0.5, -0.5])]);
  });
  return model;
}

describeEachBackend('pruneFilters', () => {
  it('keeps the largest-L1 filters and the matching channels after a concatenation (hand-computed)', async () => {
    const model = skipNet();
    const before = tf.memory().numTensors;
    const { model: small, keptFilters } = await pruneFilters(model, { ratio: 0.5 });
    expect(keptFilters).toEqual({ convA: [0, 2] }); // convB is the output: kept whole
    expect(small.getLayer('convA').getWeights()[0]!.shape).toEqual([3, 3, 1, 2]);
    expect(small.getLayer('convB').getWeights()[0]!.shape).toEqual([1, 1, 3, 2]);
    expect(small.countParams()).toBe(3 * 3 * 1 * 2 + 2 + 3 * 2 + 2);
    // Same outputs as the original with convA's filters 1 and 3 cut off at convB (rows 1 + 1, 1 + 3 zeroed).
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 7);
    const [kernelB, biasB] = model.getLayer('convB').getWeights();
    const cut = tf.tidy(() => tf.mul(kernelB!, tf.reshape(tf.tensor1d([1, 1, 0, 1, 0]), [1, 1, 5, 1])));
    model.getLayer('convB').setWeights([cut, biasB!]);
    expectClose(Array.from((small.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-5);
    tf.dispose([x, cut]);
    small.dispose();
    // (the two predictions are left to tidy up below)
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(3);
    model.dispose();
  });

  it('halves every conv of a U-Net but the head, through pooling, up-sampling and the skip concatenations; FLOPs drop about 4x', async () => {
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8, 16], norm: 'instance', finalActivation: 'none', seed: 1 });
    const tensors = tf.memory().numTensors;
    const { model: small, keptFilters } = await pruneFilters(model);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    for (const conv of convs) {
      const filters = conv.getWeights()[0]!.shape.at(-1)!;
      const prunedFilters = small.getLayer(conv.name).getWeights()[0]!.shape.at(-1)!;
      if (conv.name === model.outputNames[0] || conv === model.layers.at(-1)) expect(prunedFilters).toBe(filters);
      else {
        expect(prunedFilters, conv.name).toBe(filters / 2);
        expect(keptFilters[conv.name]).toHaveLength(filters / 2);
      }
    }
    const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 2);
    const y = small.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 16, 16, 2]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    const [full, pruned] = [await convFlops(model), await convFlops(small)];
    // Inner convs lose half their inputs and half their outputs (1/4); the first and the head keep one side.
    expect(pruned / full).toBeGreaterThan(0.25);
    expect(pruned / full).toBeLessThan(0.3);
    expect(small.countParams() / model.countParams()).toBeLessThan(0.3);
    tf.dispose([x, y]);
    small.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('keeps convs that feed an Add whole, honours options.keep, ratio 0 changes nothing', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'a' }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'b' }).apply(input) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
    const c = tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'c' }).apply(sum) as tfl.SymbolicTensor;
    const out = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'out' }).apply(c) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(Object.keys((await pruneFilters(model, { ratio: 0.5 })).keptFilters)).toEqual(['c']);
    const kept = await pruneFilters(model, { ratio: 0.5, keep: ['c'] });
    expect(kept.keptFilters).toEqual({});
    const same = await pruneFilters(model, { ratio: 0 });
    const x = tf.randomNormal([1, 4, 4, 2]);
    expectClose(Array.from((same.model.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-6);
    await expect(pruneFilters(model, { ratio: 1 })).rejects.toThrow(/pruneFilters: options.ratio is 1; expected a finite number >= 0 and < 1/);
    await expect(pruneFilters(model, { keep: ['z'] })).rejects.toThrow(/options.keep is 'z'/);
    await expect(pruneFilters({} as never)).rejects.toThrow(UnetKitError);
    kept.model.dispose();
    same.model.dispose();
    model.dispose();
  });

  it('refuses a layer it cannot carry pruned channels through, naming it', async () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'a' }).apply(input) as tfl.SymbolicTensor;
    const d = tfl.layers.dense({ units: 2, name: 'dense' }).apply(a) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: d });
    await expect(pruneFilters(model)).rejects.toThrow(/has the Dense layer 'dense', which pruneFilters cannot carry pruned channels through; add the convs before it to options.keep/);
    expect((await pruneFilters(model, { keep: ['a'] })).keptFilters).toEqual({});
    model.dispose();
  });

  it('ratio 0 rebuilds a batch-norm U-Net that predicts exactly as the original; ratio 0.5 predicts too', async () => {
    // The wasm failure this guards: the rebuilt convs' biases came from tf.gather, whose wasm
    // buffer is recorded as rank 4, and wasm's FusedConv2D refused them (docs/tfjs-gaps.md).
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8], norm: 'batch', finalActivation: 'softmax', seed: 3 });
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 4);
    const tensors = tf.memory().numTensors;
    const same = await pruneFilters(model, { ratio: 0 });
    const half = await pruneFilters(model, { ratio: 0.5 });
    expect(same.model.countParams()).toBe(model.countParams());
    const [original, rebuilt, small] = tf.tidy(() => [model, same.model, half.model].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync())));
    expect(rebuilt).toEqual(original);
    expect(small).toHaveLength(2 * 16 * 16 * 2);
    // Softmax over two classes: every pair sums to 1.
    for (let i = 0; i < small!.length; i += 2) expect(small![i]! + small![i + 1]!).toBeCloseTo(1, 5);
    same.model.dispose();
    half.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(x);
    model.dispose();
  });

  it('on a U-Net whose smallest filters are zero, the pruned model predicts exactly as the original (skips, transposed convs)', async () => {
    // Zero filters (kernel and bias) are the smallest by L1 norm and add nothing downstream, so
    // any channel mis-mapped through a concatenation or an up-conv would change the output.
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8, 16], norm: 'none', finalActivation: 'none', seed: 5 });
    const head = model.outputNames[0]!;
    for (const layer of model.layers) {
      const type = layer.getClassName();
      if ((type !== 'Conv2D' && type !== 'Conv2DTranspose') || layer.name === head) continue;
      tf.tidy(() => {
        const [kernel, bias] = layer.getWeights() as [tf.Tensor, tf.Tensor];
        const filters = bias.shape[0]!;
        const keep = tf.tensor1d(Array.from({ length: filters }, (_, i) => (i % 2 === 0 ? 1 : 0)));
        // A transposed conv keeps its output filters on axis -2.
        const mask = type === 'Conv2D' ? keep : tf.reshape(keep, [filters, 1]);
        layer.setWeights([tf.add(tf.mul(kernel, mask), tf.mul(mask, 1e-3)), tf.mul(tf.add(bias, 0.05), keep)]);
      });
    }
    const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 6);
    const { model: small, keptFilters } = await pruneFilters(model, { ratio: 0.5 });
    for (const kept of Object.values(keptFilters)) expect(kept.every((i) => i % 2 === 0)).toBe(true);
    expect(Object.keys(keptFilters).length).toBeGreaterThan(6);
    expectClose(Array.from((small.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-5);
    tf.dispose(x);
    small.dispose();
    model.dispose();
  });
});
