import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { generalizedDiceScore } from '../../src/metrics/generalizedDiceScore.js';
import type { GeneralizedDiceScoreOptions } from '../../src/metrics/generalizedDiceScore.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

const oneHot = (labels: number[], shape: number[]) => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor(labels, shape, 'int32'), 2), 'float32'));

/** Runs the score leak-checked and reads it back. */
async function score(pred: number[], target: number[], options?: GeneralizedDiceScoreOptions, shape = [1, 2, 2]): Promise<unknown> {
  const p = oneHot(pred, shape);
  const t = oneHot(target, shape);
  const out = await expectNoLeak(() => generalizedDiceScore(p, t, options));
  const values = await out.array();
  tf.dispose([p, t, out]);
  return values;
}

describeEachBackend('generalizedDiceScore (MONAI GeneralizedDiceScore)', () => {
  it('weight types, summed over classes (the default for mean) and per class', async () => {
    // pred labels [0, 0, 1, 1], target [0, 1, 1, 1]:
    //   class 0: I = 1, G = 1, P = 2 (D = 3); class 1: I = 2, G = 3, P = 2 (D = 5)
    const pred = [0, 0, 1, 1];
    const target = [0, 1, 1, 1];
    // square w = (1, 1/9): 2 (1 + 2/9) / (3 + 5/9) = 22/32
    expectClose(await score(pred, target), 22 / 32);
    // simple w = (1, 1/3): 2 (1 + 2/3) / (3 + 5/3) = 10/14; uniform: 2 * 3 / 8
    expectClose(await score(pred, target, { weightType: 'simple' }), 10 / 14);
    expectClose(await score(pred, target, { weightType: 'uniform' }), 0.75);
    // per class (mean_batch / none): the weight cancels, plain Dice 2/3 and 4/5
    expectClose(await score(pred, target, { reduction: 'none' }), [[2 / 3, 0.8]]);
    expectClose(await score(pred, target, { reduction: 'mean_batch' }), [2 / 3, 0.8]);
    expectClose(await score(pred, target, { reduction: 'none', sumOverClasses: true }), [[22 / 32]]);
    // without background: class 1 alone
    expectClose(await score(pred, target, { includeBackground: false }), 0.8);
  });

  it('an absent class takes the largest finite weight; an empty denominator scores 1 or 0', async () => {
    // target all class 1, pred [0, 1, 1, 1]: class 0 G = 0 -> w0 = w1 = 1/16; I0 = 0, D0 = 1; I1 = 3, D1 = 7
    expectClose(await score([0, 1, 1, 1], [1, 1, 1, 1], { reduction: 'none' }), [[0, 6 / 7]]);
    // summed: 2 (0 + 3) / 16 / ((1 + 7) / 16) = 0.75
    expectClose(await score([0, 1, 1, 1], [1, 1, 1, 1]), 0.75);
    // class 0 absent from both: D = 0 and nothing predicted -> 1
    expectClose(await score([1, 1, 1, 1], [1, 1, 1, 1], { reduction: 'none' }), [[1, 1]]);
    // two samples, MONAI 'mean' over the samples: sample 0 as above (0.75), sample 1 perfect (1)
    expectClose(await score([0, 1, 1, 1, 0, 1, 0, 1], [1, 1, 1, 1, 0, 1, 0, 1], {}, [2, 2, 2]), (0.75 + 1) / 2);
  });

  it('3D masks', async () => {
    const p = tf.tensor5d([1, 1, 0, 0], [1, 2, 1, 2, 1]);
    const t = tf.tensor5d([1, 0, 0, 0], [1, 2, 1, 2, 1]);
    // one class: I = 1, G = 1, P = 2 -> 2/3 whatever the weight
    const out = await expectNoLeak(() => generalizedDiceScore(p, t));
    expectClose(await out.array(), 2 / 3);
    tf.dispose([p, t, out]);
  });
});

describe('generalizedDiceScore errors', () => {
  it('names the argument and the bad value', () => {
    const a = tf.zeros([1, 2, 2, 2]);
    expect(() => generalizedDiceScore(a, tf.zeros([1, 2, 2, 3]))).toThrow(/generalizedDiceScore: pred and target have shapes \[1, 2, 2, 2\] and \[1, 2, 2, 3\]/);
    expect(() => generalizedDiceScore(a, a, { weightType: 'squared' as never })).toThrow(/options.weightType is 'squared'.*Did you mean 'square'\?/);
    expect(() => generalizedDiceScore(a, a, { reduction: 'per-class' as never })).toThrow(/options.reduction is 'per-class'/);
    expect(() => generalizedDiceScore([1] as never, a)).toThrow(/generalizedDiceScore: pred is/);
    expect(() => generalizedDiceScore(tf.zeros([1, 2, 1]), tf.zeros([1, 2, 1]), { includeBackground: false })).toThrow(/no background channel/);
    a.dispose();
  });
});
