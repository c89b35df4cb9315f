import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyLoss } from '../../src/losses/crossEntropy.js';
import { focalLoss } from '../../src/losses/focal.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import {
  aLabels,
  aOneHot,
  aProbs,
  bMask,
  bProbs,
  dLabels,
  dProbs,
  edgeCases,
  expectFinite,
  expectThrowsNoLeak,
  gradient,
  scalar,
  sigmoidLogits,
  softmaxLogits,
  values,
} from './fixtures.js';

const TOL = 1e-4;
const ln = Math.log;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
// Fixture A: p of the true class per pixel
const A_PT = [0.9, 0.8, 0.4, 0.7];
// Fixture B (binary): p_t per element (p where g = 1, 1 - p where g = 0)
const B_PT = [0.8, 0.8, 0.4, 0.6];
const B_POSITIVE = [true, false, true, true];
const focalTerm = (pt: number, gamma: number) => (1 - pt) ** gamma * -ln(pt);

describeEachBackend('focalLoss', () => {
  it('multiclass, gamma 2: mean over pixels of (1 - p_t)^2 * -log p_t', () => {
    // 0.01 * 0.10536 + 0.04 * 0.22314 + 0.36 * 0.91629 + 0.09 * 0.35667 = 0.37194; / 4 = 0.09299
    const expected = sum(A_PT.map((pt) => focalTerm(pt, 2))) / 4;
    expectClose(expected, 0.092986, 1e-5);
    expectClose(scalar(focalLoss({ fromLogits: false }), aLabels(), aProbs()), expected, TOL);
    expectClose(scalar(focalLoss(), aLabels(), softmaxLogits(aProbs())), expected, TOL);
  });

  it('multiclass alpha: a number gives [1 - alpha, alpha, ...] (MONAI), an array per class', () => {
    // alpha 0.25: px0 (class 0) * 0.75, px1..3 (class 1) * 0.25
    const terms = A_PT.map((pt) => focalTerm(pt, 2));
    const expected = (0.75 * terms[0]! + 0.25 * (terms[1]! + terms[2]! + terms[3]!)) / 4;
    expectClose(scalar(focalLoss({ alpha: 0.25 }), aLabels(), softmaxLogits(aProbs())), expected, TOL);
    const perClass = (2 * terms[0]! + 0.5 * (terms[1]! + terms[2]! + terms[3]!)) / 4;
    expectClose(scalar(focalLoss({ alpha: [2, 0.5] }), aLabels(), softmaxLogits(aProbs())), perClass, TOL);
  });

  it('gamma 0 without alpha equals cross-entropy', () => {
    expectClose(
      scalar(focalLoss({ gamma: 0 }), aLabels(), softmaxLogits(aProbs())),
      scalar(crossEntropyLoss(), aLabels(), softmaxLogits(aProbs())),
      1e-6,
    );
    expectClose(scalar(focalLoss({ gamma: 0 }), bMask(), sigmoidLogits(bProbs())), sum(B_PT.map((pt) => -ln(pt))) / 4, TOL);
  });

  it('binary from logits (MONAI form) and from probabilities agree with the hand value', () => {
    // 0.04 * 0.22314 * 2 + 0.36 * 0.91629 + 0.16 * 0.51083 = 0.42945; / 4 = 0.10736
    const expected = sum(B_PT.map((pt) => focalTerm(pt, 2))) / 4;
    expectClose(scalar(focalLoss(), bMask(), sigmoidLogits(bProbs())), expected, TOL);
    expectClose(scalar(focalLoss({ fromLogits: false }), bMask(), bProbs()), expected, TOL);
    // gamma 0.5 (fractional power)
    const half = sum(B_PT.map((pt) => focalTerm(pt, 0.5))) / 4;
    expectClose(scalar(focalLoss({ gamma: 0.5 }), bMask(), sigmoidLogits(bProbs())), half, TOL);
    expectClose(scalar(focalLoss({ gamma: 0.5, fromLogits: false }), bMask(), bProbs()), half, TOL);
  });

  it('binary alpha weights positives by alpha, negatives by 1 - alpha', () => {
    const expected = sum(B_PT.map((pt, i) => (B_POSITIVE[i] ? 0.25 : 0.75) * focalTerm(pt, 2))) / 4;
    expectClose(scalar(focalLoss({ alpha: 0.25 }), bMask(), sigmoidLogits(bProbs())), expected, TOL);
  });

  it("ignoreIndex, 'sum', per-sample 'none', 3D", () => {
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const kept = [A_PT[0]!, A_PT[1]!, A_PT[3]!].map((pt) => focalTerm(pt, 2));
    expectClose(scalar(focalLoss({ ignoreIndex: 255 }), labels, softmaxLogits(aProbs())), sum(kept) / 3, TOL);
    expectClose(scalar(focalLoss({ reduction: 'sum' }), aLabels(), softmaxLogits(aProbs())), sum(A_PT.map((pt) => focalTerm(pt, 2))), TOL);
    const none = focalLoss({ reduction: 'none' })(bMask(), sigmoidLogits(bProbs()));
    expect(none.shape).toEqual([2]);
    const t = B_PT.map((pt) => focalTerm(pt, 2));
    expectClose(Array.from(none.dataSync()), [(t[0]! + t[1]!) / 2, (t[2]! + t[3]!) / 2], TOL);
    none.dispose();
    // 3D: p_t = 0.9, 0.9, 0.5, 0.5
    expectClose(scalar(focalLoss({ fromLogits: false }), dLabels(), dProbs()), (2 * focalTerm(0.9, 2) + 2 * focalTerm(0.5, 2)) / 4, TOL);
  });

  it('perfect prediction is ~0; finite values and gradients at the edges', () => {
    expect(scalar(focalLoss({ fromLogits: false }), aLabels(), aOneHot())).toBeLessThan(1e-6);
    for (const c of edgeCases()) {
      for (const loss of [focalLoss({ fromLogits: false }), focalLoss({ fromLogits: false, gamma: 0.5 }), focalLoss()]) {
        expectFinite(values(loss, c.yTrue(), c.yPred()), `${c.name} value`);
        expectFinite(gradient(loss, c.yTrue(), c.yPred()), `${c.name} gradient`);
      }
      const huge = tf.mul(tf.sub(c.yPred(), 0.5), 200);
      for (const loss of [focalLoss(), focalLoss({ gamma: 0.5, alpha: 0.25 })]) {
        expectFinite(values(loss, c.yTrue(), huge), `${c.name} logits value`);
        expectFinite(gradient(loss, c.yTrue(), huge), `${c.name} logits gradient`);
      }
    }
  });
});

describe('focalLoss errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => focalLoss({ gamma: -1 })).toThrow(/focalLoss: options.gamma is -1/);
    expect(() => focalLoss({ alpha: 1.5 })).toThrow(/options.alpha is 1.5/);
    expect(() => focalLoss({ gama: 2 } as never)).toThrow(/Did you mean 'gamma'\?/);
    expectThrowsNoLeak(focalLoss({ alpha: [1, 2, 3] }), aLabels(), aProbs(), /has 3 entries/);
    expectThrowsNoLeak(focalLoss({ mode: 'binary', alpha: [0.5, 2] }), aLabels(), aProbs(), /numbers in \[0, 1\] in 'binary' mode/);
    expectThrowsNoLeak(focalLoss(), tf.tensor3d([0, 3, 1, 1], [1, 2, 2]), aProbs(), /contains label 3/);
  });
});
