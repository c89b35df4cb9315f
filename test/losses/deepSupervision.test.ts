import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { diceCELoss } from '../../src/losses/combine.js';
import {
  deepSupervisionLoss,
  deepSupervisionLosses,
  deepSupervisionTargets,
  deepSupervisionWeights,
  downsampleTarget,
} from '../../src/losses/deepSupervision.js';
import { diceLoss } from '../../src/losses/dice.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite } from './fixtures.js';

describe('deepSupervisionWeights', () => {
  it("is nnU-Net's 1/2^i with the lowest resolution 0, normalized", () => {
    expect(deepSupervisionWeights(1)).toEqual([1]);
    expect(deepSupervisionWeights(2)).toEqual([1, 0]);
    // [1, 1/2, 0] / 1.5
    expectClose(deepSupervisionWeights(3), [2 / 3, 1 / 3, 0], 1e-12);
    // [1, 1/2, 1/4, 0] / 1.75
    expectClose(deepSupervisionWeights(4), [4 / 7, 2 / 7, 1 / 7, 0], 1e-12);
    // [1, 1/2, 1/4, 1/8, 0] / 1.875
    expectClose(deepSupervisionWeights(5), [8 / 15, 4 / 15, 2 / 15, 1 / 15, 0], 1e-12);
    expectClose(deepSupervisionWeights(6).reduce((a, b) => a + b, 0), 1, 1e-12);
  });

  it('rejects a bad count', () => {
    expect(() => deepSupervisionWeights(0)).toThrow(/deepSupervisionWeights: numOutputs is 0/);
    expect(() => deepSupervisionWeights(2.5)).toThrow(/an integer >= 1/);
  });
});

// 4x4 binary mask; nearest-exact down-sampling by 2 reads rows/cols 1 and 3, all ones here:
//   0 0 0 0
//   0 1 0 1      ->   1 1
//   0 0 0 0           1 1
//   0 1 0 1
const MASK = [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1];

describeEachBackend('deep supervision', () => {
  it('downsampleTarget reads voxel floor((d + 0.5) * in / out) on each spatial axis', async () => {
    const row = tf.reshape(tf.range(0, 8), [1, 8]);
    // 8 -> 4: 1, 3, 5, 7
    expect(Array.from(((await expectNoLeak(() => downsampleTarget(row, [4]))) as tf.Tensor).dataSync())).toEqual([1, 3, 5, 7]);
    // 5 -> 2: floor(1.25) = 1, floor(3.75) = 3; 6 -> 3: 1, 3, 5
    expect(Array.from(downsampleTarget(tf.reshape(tf.range(0, 5), [1, 5]), [2]).dataSync())).toEqual([1, 3]);
    expect(Array.from(downsampleTarget(tf.reshape(tf.range(0, 6), [1, 6]), [3]).dataSync())).toEqual([1, 3, 5]);
    // 2D label map and one-hot keep their layout
    expect(Array.from(downsampleTarget(tf.tensor3d(MASK, [1, 4, 4]), [2, 2]).dataSync())).toEqual([1, 1, 1, 1]);
    const onehot = downsampleTarget(tf.oneHot(tf.tensor3d(MASK, [1, 4, 4], 'int32'), 2), [2, 2]);
    expect(onehot.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(onehot.dataSync())).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    // 3D: [1, 4, 2, 2] volume of 0..15 -> [1, 2, 1, 1]: depth 1, 3; row 1; col 1 -> 1*4 + 1*2 + 1 = 7, 3*4 + 3 = 15
    expect(Array.from(downsampleTarget(tf.reshape(tf.range(0, 16), [1, 4, 2, 2]), [2, 1, 1]).dataSync())).toEqual([7, 15]);
    // same size is a copy
    const same = await expectNoLeak(() => downsampleTarget(row, [8]));
    expect(Array.from((same as tf.Tensor).dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('deepSupervisionLoss sums weighted losses on down-sampled targets', async () => {
    // outputs 4x4, 2x2, 1x1 (C = 1); default weights [2/3, 1/3, 0]
    // output 0 = the mask itself: Dice loss 0
    // output 1 = 0.5 everywhere vs the down-sampled all-ones 2x2: 1 - 2 * 2 / (4 + 2) = 1/3
    // output 2 has weight 0 and is not evaluated
    // total = 2/3 * 0 + 1/3 * 1/3 = 1/9
    const labels = tf.tensor3d(MASK, [1, 4, 4]);
    const preds = [tf.tensor4d(MASK, [1, 4, 4, 1]), tf.fill([1, 2, 2, 1], 0.5), tf.zeros([1, 1, 1, 1])];
    const loss = deepSupervisionLoss(diceLoss());
    const value = (await expectNoLeak(() => loss(labels, preds))) as tf.Tensor;
    expect(value.rank).toBe(0);
    expectClose(value.dataSync()[0]!, 1 / 9, 1e-4);
    // explicit weights, and per-output targets instead of one full-resolution target
    const explicit = deepSupervisionLoss(diceLoss(), { weights: [0, 1, 0] })(labels, preds);
    expectClose(explicit.dataSync()[0]!, 1 / 3, 1e-4);
    const targets = [labels, tf.ones([1, 2, 2]), tf.ones([1, 1, 1])];
    expectClose(deepSupervisionLoss(diceLoss())(targets, preds).dataSync()[0]!, 1 / 9, 1e-4);
    // a zero-weight output is skipped entirely: even a mis-shaped one raises nothing
    expect(() => loss(labels, [preds[0]!, preds[1]!, tf.zeros([1, 3])])).not.toThrow();
  });

  it('deepSupervisionLosses folds each weight into one loss per output', () => {
    const losses = deepSupervisionLosses(diceLoss(), 3);
    expect(losses).toHaveLength(3);
    // output 1 alone: 1/3 * 1/3
    expectClose(losses[1]!(tf.ones([1, 2, 2, 1]), tf.fill([1, 2, 2, 1], 0.5)).dataSync()[0]!, 1 / 9, 1e-4);
    expect(losses[2]!(tf.ones([1, 1, 1, 1]), tf.zeros([1, 1, 1, 1])).dataSync()[0]).toBe(0);
  });

  it('deepSupervisionTargets shapes targets like each output (one-hot when C > 1)', async () => {
    const labels = tf.tensor3d(MASK, [1, 4, 4], 'int32');
    const targets = (await expectNoLeak(() =>
      deepSupervisionTargets(labels, [{ shape: [null, 4, 4, 2] }, { shape: [null, 2, 2, 2] }, { shape: [null, 2, 2, 1] }]),
    )) as tf.Tensor[];
    expect(targets.map((t) => t.shape)).toEqual([
      [1, 4, 4, 2],
      [1, 2, 2, 2],
      [1, 2, 2, 1],
    ]);
    expect(Array.from(targets[1]!.dataSync())).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(Array.from(targets[2]!.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose(targets);
    expect(() => deepSupervisionTargets(tf.tensor3d([0, 5, 0, 0], [1, 2, 2]), [{ shape: [null, 2, 2, 3] }])).toThrow(/contains label 5/);
  });

  it('trains a two-output model: model.compile + fit and a custom loop', async () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const full = tfl.layers.dense({ units: 2, kernelInitializer: init(1), name: 'full' }).apply(input) as tfl.SymbolicTensor;
    const pooled = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(input) as tfl.SymbolicTensor;
    const half = tfl.layers.dense({ units: 2, kernelInitializer: init(2), name: 'half' }).apply(pooled) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [full, half] });
    const x = tf.reshape(tf.linspace(-1, 1, 32), [2, 4, 4, 1]);
    const labels = tf.cast(tf.greater(tf.reshape(x, [2, 4, 4]), 0), 'int32');

    model.compile({ optimizer: tf.train.sgd(0.1), loss: deepSupervisionLosses(diceCELoss(), 2, { weights: [0.75, 0.25] }) });
    const ys = deepSupervisionTargets(labels, model.outputs);
    const history = await model.fit(x, ys, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(Number.isFinite(history.history.loss![0] as number)).toBe(true);

    const dsLoss = deepSupervisionLoss(diceCELoss(), { weights: [0.75, 0.25] });
    const optimizer = tf.train.sgd(0.1);
    const value = optimizer.minimize(() => dsLoss(labels, model.apply(x, { training: true }) as tf.Tensor[]), true);
    expectFinite([value!.dataSync()[0]!], 'custom-loop loss');
    tf.dispose([x, labels, value!, ...ys]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('deep supervision errors', () => {
  it('rejects bad inputs and options', () => {
    const loss = deepSupervisionLoss(diceLoss());
    expect(() => deepSupervisionLoss('dice' as never)).toThrow(/deepSupervisionLoss: loss is 'dice'; expected a loss function/);
    expect(() => deepSupervisionLoss(diceLoss(), { weights: [0, 0] })).toThrow(/at least one weight > 0/);
    expect(() => deepSupervisionLoss(diceLoss(), { weigths: [1] } as never)).toThrow(/Did you mean 'weights'\?/);
    expect(() => loss(tf.zeros([1, 4, 4]), [])).toThrow(/yPreds is \[\]; expected a non-empty array/);
    expect(() => deepSupervisionLoss(diceLoss(), { weights: [1] })(tf.zeros([1, 4, 4]), [tf.zeros([1, 4, 4, 1]), tf.zeros([1, 2, 2, 1])])).toThrow(
      /2 weights, one per output/,
    );
    expect(() => deepSupervisionLoss(diceLoss({ reduction: 'none' }))(tf.zeros([1, 2, 2]), [tf.zeros([1, 2, 2, 1])])).toThrow(/expected a scalar/);
    expect(() => deepSupervisionLosses(diceLoss(), 3, { weights: [1, 1] })).toThrow(/3 weights, one per output/);
    expect(() => downsampleTarget(tf.zeros([1, 4]), [2, 2])).toThrow(/for 2 spatial axes expected rank 3/);
    expect(() => downsampleTarget(tf.zeros([1, 4]), [0])).toThrow(/spatialShape/);
  });
});
