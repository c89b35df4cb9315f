import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { FakeQuantConv2D } from '../../src/compress/fakeQuantConv.js';
import { calibrateQuantization, quantizeAware, toIntegerInference } from '../../src/compress/quantizeAware.js';
import { UnetKitError } from '../../src/core/errors.js';
import { unet } from '../../src/models/unet.js';
import { describeEachBackend } from '../helpers/backends.js';
import { maxAbsDiff } from '../helpers/numeric.js';

const predictValues = (model: tfl.LayersModel, x: tf.Tensor): number[] => tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));

/** input [2, 2, 1] -> 1x1 conv (w 0.3, bias 0.1): the integer arithmetic is hand-computable. */
function oneWeightNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const out = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  tf.tidy(() => model.getLayer('conv').setWeights([tf.fill([1, 1, 1, 1], 0.3), tf.tensor1d([0.1])]));
  return model;
}

describeEachBackend('quantizeAware', () => {
  it('replaces every conv by a fake-quant conv with the same weights; 16 bits predict as the float model', async () => {
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8], norm: 'batch', finalActivation: 'none', seed: 1 });
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 2);
    const tensors = tf.memory().numTensors;
    const fine = await quantizeAware(model, { weightBits: 16, activationBits: 16 });
    const coarse = await quantizeAware(model);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(convs.length).toBeGreaterThan(4);
    for (const name of convs) expect(coarse.getLayer(name).getClassName()).toBe('FakeQuantConv2D');
    // Each conv gains its input range [2] and update count.
    expect(coarse.countParams()).toBe(model.countParams() + 3 * convs.length);
    const reference = predictValues(model, x);
    const scale = Math.max(...reference.map(Math.abs));
    expect(maxAbsDiff(predictValues(fine, x), reference) / scale).toBeLessThan(2e-3);
    const int8Error = maxAbsDiff(predictValues(coarse, x), reference) / scale;
    expect(int8Error).toBeGreaterThan(1e-4);
    expect(int8Error).toBeLessThan(0.1);
    fine.dispose();
    coarse.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(x);
    model.dispose();
  });

  it('integer inference equals the hand-computed integer arithmetic and the fake-quant forward', async () => {
    const model = oneWeightNet();
    const x = tf.tensor4d([0, 0.4, 1, 0.25], [1, 2, 2, 1]);
    const qat = await quantizeAware(model);
    calibrateQuantization(qat, x);
    const int8 = await toIntegerInference(qat);
    // Input range [0, 1]: s_x = 1/255, zero point 0, codes 0, 102, 255, 64 (63.75 rounded).
    // Weight 0.3 on a +-0.3 int8 grid: code 127, s_w = 0.3/127; bias code round(0.1 / (s_x s_w)) = 10795.
    const sx = 1 / 255;
    const sw = 0.3 / 127;
    const biasCode = Math.round(0.1 / (sx * sw));
    expect(biasCode).toBe(10795);
    const expected = [0, 102, 255, 64].map((q) => (q * 127 + biasCode) * sx * sw);
    const integer = predictValues(int8, x);
    integer.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // The fake-quant forward differs only by the float bias: 0.1 against 10795 * s_x s_w.
    const fake = predictValues(qat, x);
    expect(maxAbsDiff(fake, integer)).toBeLessThan(sx * sw);
    // And both are within half a grid step of the float conv.
    expect(maxAbsDiff(integer, predictValues(model, x))).toBeLessThan(0.3 * sx);
    tf.dispose(x);
    [model, qat, int8].forEach((m) => m.dispose());
  });

  it('trains: the loss falls, the input ranges follow the data, and it saves and loads with the same predictions', async () => {
    const input = tfl.input({ shape: [8, 8, 1] });
    const h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', name: 'c2', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const qat = await quantizeAware(model);
    const x = tf.randomUniform([8, 8, 8, 1], -1, 2, 'float32', 3);
    // Target: a smoothed, shifted copy of the input (learnable by two 3x3 convs).
    const y = tf.tidy(() => tf.add(tf.mul(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same'), 0.8), 0.2));
    qat.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const history = await qat.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)! / losses[0]!).toBeLessThan(0.3);
    const [range, updates] = (qat.getLayer('c1') as FakeQuantConv2D).getWeights().slice(2).map((w) => Array.from(w.dataSync()));
    expect(updates).toEqual([30]);
    // The first conv sees the raw input, uniform in [-1, 2): its moving range is close to that.
    expect(range![0]).toBeGreaterThan(-1.01);
    expect(range![0]).toBeLessThan(-0.9);
    expect(range![1]).toBeGreaterThan(1.9);
    const saved = await new Promise<tf.io.ModelArtifacts>((resolve) => {
      void qat.save(tf.io.withSaveHandler(async (artifacts) => (resolve(artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    });
    expect(JSON.stringify(saved.modelTopology)).toContain('"class_name":"FakeQuantConv2D"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
    expect(predictValues(loaded, x)).toEqual(predictValues(qat, x));
    tf.dispose([x, y]);
    [model, qat, loaded].forEach((m) => m.dispose());
  });

  it('converts 3D convs to FakeQuantConv3D; 16 bits predict as the float model, 4 bits visibly do not', async () => {
    const input = tfl.input({ shape: [4, 4, 4, 2] });
    const h = tfl.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' }).apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.conv3d({ filters: 1, kernelSize: 1, name: 'b' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const x = tf.randomNormal([1, 4, 4, 4, 2], 0, 1, 'float32', 8);
    const fine = await quantizeAware(model, { weightBits: 16, activationBits: 16 });
    const coarse = await quantizeAware(model, { weightBits: 4, activationBits: 4 });
    expect(fine.getLayer('a').getClassName()).toBe('FakeQuantConv3D');
    const reference = predictValues(model, x);
    const scale = Math.max(...reference.map(Math.abs));
    expect(maxAbsDiff(predictValues(fine, x), reference) / scale).toBeLessThan(1e-3);
    expect(maxAbsDiff(predictValues(coarse, x), reference) / scale).toBeGreaterThan(1e-2);
    tf.dispose(x);
    [model, fine, coarse].forEach((m) => m.dispose());
  });

  it('refuses what it cannot convert, naming it', async () => {
    const model = oneWeightNet();
    await expect(quantizeAware({} as never)).rejects.toThrow(UnetKitError);
    await expect(quantizeAware(model, { skip: ['nope'] })).rejects.toThrow(/quantizeAware: options.skip is 'nope'; expected names of layers/);
    await expect(quantizeAware(model, { weightBits: 1 })).rejects.toThrow(/options.weightBits is 1/);
    await expect(toIntegerInference(model)).rejects.toThrow(/toIntegerInference: model is .*; expected a model from quantizeAware/);
    const x = tf.ones([1, 2, 2, 1]);
    expect(() => calibrateQuantization(model, x)).toThrow(/calibrateQuantization: model is .*; expected a model from quantizeAware/);
    const skipped = await quantizeAware(model, { skip: ['conv'] });
    expect(skipped.getLayer('conv').getClassName()).toBe('Conv2D');
    const input = tfl.input({ shape: [4, 4, 1] });
    const selu = tfl.model({ inputs: input, outputs: tfl.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'selu', name: 'odd' }).apply(input) as tfl.SymbolicTensor });
    await expect(quantizeAware(selu)).rejects.toThrow(/has the conv 'odd' with activation "selu"; expected one of linear, relu/);
    expect(() => new FakeQuantConv2D(null as never)).toThrow(/FakeQuantConv2D: args is null; expected an options object/);
    expect(() => new FakeQuantConv2D({ filters: 2, kernelSize: 3, weightBits: 1 })).toThrow(/FakeQuantConv2D: args.weightBits is 1/);
    tf.dispose(x);
    [model, skipped, selu].forEach((m) => m.dispose());
  });
});
