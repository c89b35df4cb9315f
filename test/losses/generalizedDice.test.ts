import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { generalizedDiceLoss } from '../../src/losses/generalizedDice.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, B, D, TOL, expectFiniteAtEdges, expectThrowsNoLeak, scalar, softmaxLogits } from './fixtures.js';


/**
 * Fixture C: 2x2, C = 3, class 2 absent from the labels [0, 1, 1, 1]:
 *   px0 (0.8, 0.1, 0.1) | px1 (0.1, 0.7, 0.2) | px2 (0.2, 0.6, 0.2) | px3 (0.1, 0.8, 0.1)
 *   G = (1, 3, 0), I = (0.8, 0.7 + 0.6 + 0.8 = 2.1, 0), P = (1.2, 2.2, 0.6)
 */
const cProbs = () => tf.tensor4d([0.8, 0.1, 0.1, 0.1, 0.7, 0.2, 0.2, 0.6, 0.2, 0.1, 0.8, 0.1], [1, 2, 2, 3]);

describeEachBackend('generalizedDiceLoss', () => {
  it('softLabel: a soft target equal to the prediction scores 0', () => {
    const exact = { smoothNumerator: 0, smoothDenominator: 0 };
    expectClose(scalar(generalizedDiceLoss({ ...exact, softLabel: true }), A.probs(), A.probs()), 0, 1e-6);
    expect(scalar(generalizedDiceLoss(exact), A.probs(), A.probs())).toBeGreaterThan(0.3);
  });

  it("'square' weights 1 / G^2 (default)", () => {
    // w = (1, 1/9): 1 - 2 * (0.9 + 1.9/9) / ((1 + 2) + (3 + 2)/9) = 1 - 2.22222 / 3.55556 = 0.375
    const expected = 1 - (2 * (0.9 + 1.9 / 9)) / (3 + 5 / 9);
    expectClose(expected, 0.375, 1e-9);
    expectClose(scalar(generalizedDiceLoss(), A.labels(), A.probs()), expected, TOL);
  });

  it("'simple' weights 1 / G and 'uniform' weights 1", () => {
    // simple: w = (1, 1/3): 1 - 2 * (0.9 + 1.9/3) / (3 + 5/3)
    expectClose(scalar(generalizedDiceLoss({ weightType: 'simple' }), A.labels(), A.probs()), 1 - (2 * (0.9 + 1.9 / 3)) / (3 + 5 / 3), TOL);
    // uniform: 1 - 2 * (0.9 + 1.9) / (3 + 5) = 1 - 5.6/8 = 0.3
    expectClose(scalar(generalizedDiceLoss({ weightType: 'uniform' }), A.labels(), A.probs()), 0.3, TOL);
  });

  it('replaces the infinite weight of an absent class by the largest finite weight (MONAI)', () => {
    // w = (1, 1/9, inf -> max(1, 1/9) = 1):
    // 1 - 2 * (0.8 + 2.1/9 + 0) / ((1 + 1.2) * 1 + (3 + 2.2)/9 + (0 + 0.6) * 1)
    const expected = 1 - (2 * (0.8 + 2.1 / 9)) / (2.2 + 5.2 / 9 + 0.6);
    expectClose(scalar(generalizedDiceLoss(), A.labels(), cProbs()), expected, TOL);
    // the absent class's false positives (0.6) count: dropping them would give a smaller loss
    expect(expected).toBeGreaterThan(1 - (2 * (0.8 + 2.1 / 9)) / (2.2 + 5.2 / 9));
  });

  it('includeBackground false, softmax logits, reductions', () => {
    // class 1 only: w cancels: 1 - 2 * 1.9 / (3 + 2) = 0.24
    expectClose(scalar(generalizedDiceLoss({ includeBackground: false }), A.labels(), A.probs()), 0.24, TOL);
    expectClose(scalar(generalizedDiceLoss({ activation: 'softmax' }), A.labels(), softmaxLogits(A.probs())), 0.375, TOL);
    const none = generalizedDiceLoss({ reduction: 'none' })(B.mask(), B.probs());
    expect(none.shape).toEqual([2]);
    // binary, one class: weights cancel; s0: 1 - 1.6/2 = 0.2; s1: 1 - 2/3 = 1/3
    expectClose(Array.from(none.dataSync()), [0.2, 1 / 3], TOL);
    none.dispose();
    expectClose(scalar(generalizedDiceLoss({ reduction: 'sum' }), B.mask(), B.probs()), 0.2 + 1 / 3, TOL);
  });

  it('batch pools the batch, and 3D works', () => {
    // batch, one class: 1 - 2 * 1.8 / (3 + 2) = 0.28
    expectClose(scalar(generalizedDiceLoss({ batch: true }), B.mask(), B.probs()), 0.28, TOL);
    // 3D: 1 - 2 * 1.4 / (2 + 2) = 0.3
    expectClose(scalar(generalizedDiceLoss(), D.labels(), D.probs()), 0.3, TOL);
  });

  it('ignoreIndex removes pixels before the weights are taken', () => {
    // px2 ignored: G = (1, 2), w = (1, 1/4); I = (0.9, 1.5), G + P = (1 + 1.4, 2 + 1.6)
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const expected = 1 - (2 * (0.9 + 1.5 / 4)) / (2.4 + 3.6 / 4);
    expectClose(scalar(generalizedDiceLoss({ ignoreIndex: 255 }), labels, A.probs()), expected, TOL);
  });

  it('perfect prediction gives 0; finite at the edges', () => {
    expect(scalar(generalizedDiceLoss(), A.labels(), A.oneHot())).toBeLessThan(1e-6);
    expectFiniteAtEdges([generalizedDiceLoss(), generalizedDiceLoss({ weightType: 'simple', batch: true })]);
  });
});

describe('generalizedDiceLoss errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => generalizedDiceLoss({ weightType: 'squared' as never })).toThrow(/Did you mean 'square'\?/);
    expectThrowsNoLeak(generalizedDiceLoss(), tf.tensor3d([0, 5, 1, 1], [1, 2, 2]), A.probs(), /contains label 5/);
    expectThrowsNoLeak(generalizedDiceLoss(), tf.zeros([1, 2, 3]), A.probs(), /yTrue and yPred have shapes/);
  });
});
