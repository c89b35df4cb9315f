import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { combineLosses, diceCELoss, diceFocalLoss } from '../../src/losses/combine.js';
import { crossEntropyLoss } from '../../src/losses/crossEntropy.js';
import { diceLoss } from '../../src/losses/dice.js';
import { focalLoss } from '../../src/losses/focal.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, A_PROBS, B, D, TOL, expectFiniteAtEdges, expectThrowsNoLeak, scalar, sigmoidLogits, softmaxLogits } from './fixtures.js';

const ln = Math.log;
// Fixture A: Dice 0.32 (see dice.test.ts); CE = (-ln 0.9 - ln 0.8 - ln 0.4 - ln 0.7) / 4
const A_DICE = 0.32;
const A_CE = -(ln(0.9) + ln(0.8) + ln(0.4) + ln(0.7)) / 4;
// Fixture A focal (gamma 2): sum (1 - p_t)^2 * -ln p_t / 4
const A_FOCAL = [0.9, 0.8, 0.4, 0.7].reduce((s, pt) => s + (1 - pt) ** 2 * -ln(pt), 0) / 4;

describeEachBackend('combined losses', () => {
  it('combineLosses is the weighted sum of its terms', () => {
    const loss = combineLosses([
      [diceLoss(), 1],
      [crossEntropyLoss({ fromLogits: false }), 0.5],
    ]);
    expectClose(scalar(loss, A.labels(), A.probs()), A_DICE + 0.5 * A_CE, TOL);
    // a zero weight drops its term
    expectClose(scalar(combineLosses([[diceLoss(), 2], [crossEntropyLoss(), 0]]), A.labels(), A.probs()), 2 * A_DICE, TOL);
  });

  it('diceCELoss: softmax logits (default) and probabilities (activation none)', () => {
    // 0.32 + 0.40037 = 0.72037
    expectClose(scalar(diceCELoss(), A.labels(), softmaxLogits(A.probs())), A_DICE + A_CE, TOL);
    expectClose(scalar(diceCELoss({ activation: 'none', crossEntropy: { fromLogits: false } }), A.labels(), A.probs()), A_DICE + A_CE, TOL);
    // MONAI: the CE term reads the raw output as logits whatever the Dice activation is
    const rawCE = [0, 1, 1, 1].reduce((acc, label, px) => {
      const x = [A_PROBS[2 * px]!, A_PROBS[2 * px + 1]!];
      return acc - (x[label]! - ln(Math.exp(x[0]!) + Math.exp(x[1]!)));
    }, 0) / 4;
    expectClose(scalar(diceCELoss({ activation: 'none' }), A.labels(), A.probs()), A_DICE + rawCE, TOL);
    expectClose(scalar(diceCELoss({ lambdaDice: 2, lambdaCE: 0.5 }), A.labels(), softmaxLogits(A.probs())), 2 * A_DICE + 0.5 * A_CE, TOL);
    // nnU-Net style: Dice without background (0.24) + CE
    expectClose(scalar(diceCELoss({ dice: { includeBackground: false } }), A.labels(), softmaxLogits(A.probs())), 0.24 + A_CE, TOL);
    // CE class weights (2, 1): torch weighted mean
    const weightedCE = (-2 * ln(0.9) - ln(0.8) - ln(0.4) - ln(0.7)) / 5;
    expectClose(scalar(diceCELoss({ crossEntropy: { classWeights: [2, 1] } }), A.labels(), softmaxLogits(A.probs())), A_DICE + weightedCE, TOL);
  });

  it('diceCELoss with sigmoid (binary) and on a 3D volume', () => {
    // fixture B: Dice (0.2 + 1/3) / 2; BCE (-ln 0.8 - ln 0.8 - ln 0.4 - ln 0.6) / 4
    const bce = -(2 * ln(0.8) + ln(0.4) + ln(0.6)) / 4;
    expectClose(scalar(diceCELoss({ activation: 'sigmoid' }), B.mask(), sigmoidLogits(B.probs())), (0.2 + 1 / 3) / 2 + bce, TOL);
    // fixture D: Dice 0.3, BCE (2 * -ln 0.9 + 2 * -ln 0.5) / 4
    expectClose(scalar(diceCELoss({ activation: 'none', crossEntropy: { fromLogits: false } }), D.labels(), D.probs()), 0.3 - (2 * ln(0.9) + 2 * ln(0.5)) / 4, TOL);
  });

  it('diceFocalLoss: Dice + focal on the raw logits (sigmoid focal unless mode multiclass)', () => {
    // sigmoid logits of A: Dice on the same probabilities, sigmoid focal over both channels = A_FOCAL
    expectClose(scalar(diceFocalLoss({ activation: 'sigmoid' }), A.labels(), sigmoidLogits(A.probs())), A_DICE + A_FOCAL, TOL);
    expectClose(scalar(diceFocalLoss({ activation: 'sigmoid', lambdaFocal: 3 }), A.labels(), sigmoidLogits(A.probs())), A_DICE + 3 * A_FOCAL, TOL);
    // softmax focal (use_softmax): MONAI's mean over 4 x 2 elements halves Lin's per-voxel form
    const softmaxFocal = { mode: 'multiclass' } as const;
    expectClose(scalar(diceFocalLoss({ focal: softmaxFocal }), A.labels(), softmaxLogits(A.probs())), A_DICE + A_FOCAL / 2, TOL);
    const lin = { mode: 'multiclass', sumOverClasses: true } as const;
    expectClose(scalar(diceFocalLoss({ focal: { ...lin, gamma: 0 } }), A.labels(), softmaxLogits(A.probs())), A_DICE + A_CE, TOL);
  });

  it('MONAI weight and include_background: weight feeds both terms; C = 1 gives BCE pos_weight and an unweighted Dice', () => {
    // per-class Dice of A: class 0 1 - 1.8 / 3 = 0.4, class 1 1 - 3.8 / 5 = 0.24; weighted (2, 1): (0.8 + 0.24) / 2
    const weightedDice = (2 * 0.4 + 0.24) / 2;
    const weightedCE = (-2 * ln(0.9) - ln(0.8) - ln(0.4) - ln(0.7)) / 5;
    expectClose(scalar(diceCELoss({ weight: [2, 1] }), A.labels(), softmaxLogits(A.probs())), weightedDice + weightedCE, TOL);
    // the Dice term drops the background entry with the background; CE keeps every class
    expectClose(scalar(diceCELoss({ weight: [2, 1], dice: { includeBackground: false } }), A.labels(), softmaxLogits(A.probs())), 0.24 + weightedCE, TOL);
    // fixture B with weight 2: Dice unweighted, BCE -(2 t log p + (1 - t) log(1 - p)) per element
    const posBCE = -(2 * ln(0.8) + ln(0.8) + 2 * ln(0.4) + 2 * ln(0.6)) / 4;
    expectClose(scalar(diceCELoss({ activation: 'sigmoid', weight: 2 }), B.mask(), sigmoidLogits(B.probs())), (0.2 + 1 / 3) / 2 + posBCE, TOL);
    // diceFocalLoss: weights (2, 1) on Dice and on the sigmoid focal (3 S / 8, S = 4 A_FOCAL)
    const s = 4 * A_FOCAL;
    expectClose(scalar(diceFocalLoss({ activation: 'sigmoid', weight: [2, 1] }), A.labels(), sigmoidLogits(A.probs())), weightedDice + (3 * s) / 8, TOL);
    // includeBackground false reaches both terms: Dice of class 1, focal of channel 1 (S / 4)
    expectClose(scalar(diceFocalLoss({ activation: 'sigmoid', includeBackground: false }), A.labels(), sigmoidLogits(A.probs())), 0.24 + s / 4, TOL);
  });

  it('ignoreIndex reaches both terms', () => {
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    // Dice with px2 ignored: (0.25 + 1 - 3/3.6) / 2; CE over px0, px1, px3
    const expected = (0.25 + 1 - 3 / 3.6) / 2 - (ln(0.9) + ln(0.8) + ln(0.7)) / 3;
    expectClose(scalar(diceCELoss({ ignoreIndex: 255 }), labels, softmaxLogits(A.probs())), expected, TOL);
  });

  it('finite values and gradients at the edges', () => {
    expectFiniteAtEdges(
      (c) => {
        const activation = tf.tidy(() => c.yPred().shape[3]) === 1 ? 'sigmoid' : 'softmax';
        return [diceCELoss({ activation }), diceFocalLoss({ activation })];
      },
      { logits: true },
    );
  });

  it('trains a tiny per-pixel dense model through model.compile + model.fit (one step, finite loss)', async () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const output = tfl.layers
      .dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) })
      .apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: diceCELoss() });
    const x = tf.reshape(tf.linspace(-1, 1, 32), [2, 4, 4, 1]);
    const labels = tf.cast(tf.greater(x, 0), 'int32');
    const y = tf.oneHot(tf.reshape(labels, [2, 4, 4]), 2);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const loss = history.history.loss![0] as number;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
    tf.dispose([x, labels, y]);
    model.dispose();
  });

  it('trains a dense classifier (rank-2 output) with focalLoss in model.fit', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: focalLoss() });
    const x = tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], [4, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(Number.isFinite(history.history.loss![0] as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('combined loss errors', () => {
  it('rejects bad terms, weights and options', () => {
    expect(() => combineLosses([])).toThrow(/combineLosses: terms is \[\]; expected a non-empty array/);
    expect(() => combineLosses([[diceLoss(), -1]])).toThrow(/terms\[0\]\[1\] is -1/);
    expect(() => combineLosses([['dice' as never, 1]])).toThrow(/terms\[0\]/);
    expectThrowsNoLeak(combineLosses([[diceLoss({ reduction: 'none' }), 1]]), A.labels(), A.probs(), /terms\[0\] returned shape \[1, 2\]; expected a scalar/);
    expect(() => diceCELoss({ activation: 'softmx' as never })).toThrow(/Did you mean 'softmax'\?/);
    expect(() => diceCELoss({ dice: { reduction: 'sum' } as never })).toThrow(/options.reduction is not a known option/);
    expect(() => diceCELoss({ lambdaCE: -2 })).toThrow(/options.lambdaCE is -2/);
    expect(() => diceFocalLoss({ focal: { gamma: -1 } })).toThrow(/options.gamma is -1/);
    expect(() => diceFocalLoss({ lambdaCE: 1 } as never)).toThrow(/options.lambdaCE is not a known option/);
    expect(() => diceCELoss({ weight: [1, 2], crossEntropy: { classWeights: [1, 2] } })).toThrow(/diceCELoss: options.weight is set together with options.crossEntropy.classWeights/);
    expect(() => diceFocalLoss({ weight: [-1, 2] })).toThrow(/options.weight is \[-1, 2\]/);
    expect(() => diceFocalLoss({ includeBackground: 'no' as never })).toThrow(/options.includeBackground is 'no'/);
    expectThrowsNoLeak(diceCELoss(), tf.tensor3d([0, 4, 1, 1], [1, 2, 2]), A.probs(), /diceCELoss: yTrue contains label 4/);
  });
});
