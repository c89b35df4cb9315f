import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { diceLoss } from '../../src/losses/dice.js';
import { focalTverskyLoss, tverskyLoss } from '../../src/losses/tversky.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, B, D, TOL, expectFiniteAtEdges, expectThrowsNoLeak, scalar, sigmoidLogits } from './fixtures.js';


// Fixture A, per class: TP, FP = sum p (1 - g), FN = sum (1 - p) g
//   class 0: TP = 0.9, FP = 0.2 + 0.6 + 0.3 = 1.1, FN = 0.1
//   class 1: TP = 1.9, FP = 0.1, FN = 0.2 + 0.6 + 0.3 = 1.1
// alpha = 0.3 (FP), beta = 0.7 (FN):
//   TI0 = 0.9 / (0.9 + 0.33 + 0.07) = 0.9 / 1.3 -> 1 - TI0 = 4/13
//   TI1 = 1.9 / (1.9 + 0.03 + 0.77) = 1.9 / 2.7 -> 1 - TI1 = 8/27
const ONE_MINUS_TI = [4 / 13, 8 / 27];

describeEachBackend('tverskyLoss', () => {
  it('alpha weights FP and beta FN', () => {
    expectClose(scalar(tverskyLoss({ alpha: 0.3, beta: 0.7 }), A.labels(), A.probs()), (4 / 13 + 8 / 27) / 2, TOL);
    // swapped: TI0 = 0.9 / (0.9 + 0.77 + 0.03) = 0.9/1.7, TI1 = 1.9 / (1.9 + 0.07 + 0.33) = 1.9/2.3
    expectClose(scalar(tverskyLoss({ alpha: 0.7, beta: 0.3 }), A.labels(), A.probs()), (1 - 0.9 / 1.7 + 1 - 1.9 / 2.3) / 2, TOL);
  });

  it('softLabel, denominatorFloor and zeroAbsentClasses (SMP TverskyLoss)', () => {
    const exact = { smoothNumerator: 0, smoothDenominator: 0 };
    // soft target = prediction: tp = sum p, fp = fn = 0 -> index 1
    expectClose(scalar(tverskyLoss({ ...exact, softLabel: true }), A.probs(), A.probs()), 0, 1e-6);
    // every label 1, alpha 0.3, beta 0.7: class 0 absent -> 0; class 1 tp 2, fp 0, fn 2 -> 1 - 2 / 3.4
    const allOnes = tf.ones([1, 2, 2], 'int32');
    const smp = { ...exact, alpha: 0.3, beta: 0.7, batch: true, denominatorFloor: 1e-7, zeroAbsentClasses: true };
    expectClose(scalar(tverskyLoss(smp), allOnes, A.probs()), (1 - 2 / 3.4) / 2, 1e-6);
    expectClose(scalar(focalTverskyLoss({ ...smp, gamma: 1 }), allOnes, A.probs()), (1 - 2 / 3.4) / 2, 1e-6);
  });

  it('0.5 / 0.5 (default) equals Dice', () => {
    expectClose(scalar(tverskyLoss(), A.labels(), A.probs()), 0.32, TOL);
    expectClose(scalar(tverskyLoss(), A.labels(), A.probs()), scalar(diceLoss(), A.labels(), A.probs()), 1e-6);
  });

  it('swapping yTrue and yPred swaps alpha and beta', () => {
    const a = tf.tensor4d([0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 1, 0], [1, 2, 2, 2]);
    const b = tf.tensor4d([0.6, 0.4, 0.3, 0.3, 0, 1, 0.8, 0.1], [1, 2, 2, 2]);
    expectClose(scalar(tverskyLoss({ alpha: 0.2, beta: 0.8 }), a, b), scalar(tverskyLoss({ alpha: 0.8, beta: 0.2 }), b, a), 1e-6);
  });

  it('batch, includeBackground, reductions, sigmoid, 3D', () => {
    // fixture B, alpha = beta = 0.5, batch: TP = 0.8 + 0.4 + 0.6 = 1.8, FP = 0.2 (s0 px1),
    //   FN = 0.2 (s0 px0) + 0.6 (s1 px0) + 0.4 (s1 px1) = 1.2
    //   TI = 1.8 / (1.8 + 0.1 + 0.6) = 0.72 -> 0.28
    expectClose(scalar(tverskyLoss({ batch: true }), B.mask(), B.probs()), 0.28, TOL);
    expectClose(scalar(tverskyLoss({ batch: true, activation: 'sigmoid' }), B.mask(), sigmoidLogits(B.probs())), 0.28, TOL);
    expectClose(scalar(tverskyLoss({ alpha: 0.3, beta: 0.7, includeBackground: false }), A.labels(), A.probs()), 8 / 27, TOL);
    const none = tverskyLoss({ alpha: 0.3, beta: 0.7, reduction: 'none' })(A.labels(), A.probs());
    expect(none.shape).toEqual([1, 2]);
    expectClose(Array.from(none.dataSync()), ONE_MINUS_TI, TOL);
    none.dispose();
    // 3D, alpha = 0.3, beta = 0.7: TP = 1.4, FP = 0.1 + 0.5 = 0.6, FN = 0.1 + 0.5 = 0.6
    //   TI = 1.4 / (1.4 + 0.18 + 0.42) = 1.4 / 2 = 0.7
    expectClose(scalar(tverskyLoss({ alpha: 0.3, beta: 0.7 }), D.labels(), D.probs()), 0.3, TOL);
  });

  it('smoothNumerator / smoothDenominator enter as written', () => {
    // alpha 0.3, beta 0.7, both smoothing terms 1: TI0 = (0.9 + 1) / (1.3 + 1) = 1.9 / 2.3 -> 0.4 / 2.3;
    //   TI1 = (1.9 + 1) / (2.7 + 1) = 2.9 / 3.7 -> 0.8 / 3.7; mean (0.17391 + 0.21622) / 2 = 0.19506
    const smooth = { alpha: 0.3, beta: 0.7, smoothNumerator: 1, smoothDenominator: 1 };
    expectClose(scalar(tverskyLoss(smooth), A.labels(), A.probs()), (0.4 / 2.3 + 0.8 / 3.7) / 2, 1e-6);
    expectClose((0.4 / 2.3 + 0.8 / 3.7) / 2, 0.195066, 1e-5);
  });

  it('ignoreIndex drops the ignored pixels from TP, FP and FN', () => {
    // px2 (0.6, 0.4) ignored; alpha 0.3, beta 0.7:
    //   class 0: TP = 0.9, FP = 0.2 + 0.3 = 0.5, FN = 0.1 -> TI0 = 0.9 / (0.9 + 0.15 + 0.07) = 0.9 / 1.12
    //   class 1: TP = 0.8 + 0.7 = 1.5, FP = 0.1, FN = 0.2 + 0.3 = 0.5 -> TI1 = 1.5 / (1.5 + 0.03 + 0.35) = 1.5 / 1.88
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const expected = (1 - 0.9 / 1.12 + (1 - 1.5 / 1.88)) / 2;
    expectClose(scalar(tverskyLoss({ alpha: 0.3, beta: 0.7, ignoreIndex: 255 }), labels, A.probs()), expected, TOL);
    expectClose(scalar(focalTverskyLoss({ gamma: 2, ignoreIndex: 255 }), labels, A.probs()), ((0.9 / 1.12 - 1) ** 2 + (1.5 / 1.88 - 1) ** 2) / 2, TOL);
    labels.dispose();
  });

  it('perfect prediction gives 0; finite at the edges', () => {
    expect(scalar(tverskyLoss({ alpha: 0.3, beta: 0.7 }), A.labels(), A.oneHot())).toBeLessThan(1e-6);
    expectFiniteAtEdges([tverskyLoss({ alpha: 0.3, beta: 0.7 })]);
  });
});

describeEachBackend('focalTverskyLoss', () => {
  it('is (1 - TI)^gamma with gamma used as written (default 0.75, alpha 0.3, beta 0.7)', () => {
    const [e0, e1] = ONE_MINUS_TI as [number, number];
    expectClose(scalar(focalTverskyLoss(), A.labels(), A.probs()), (e0 ** 0.75 + e1 ** 0.75) / 2, TOL);
    expectClose(scalar(focalTverskyLoss({ gamma: 2 }), A.labels(), A.probs()), (e0 ** 2 + e1 ** 2) / 2, TOL);
    // gamma 1 is the Tversky loss itself
    expectClose(scalar(focalTverskyLoss({ gamma: 1 }), A.labels(), A.probs()), (e0 + e1) / 2, TOL);
    expectClose(scalar(focalTverskyLoss({ gamma: 0.75, reduction: 'sum' }), A.labels(), A.probs()), e0 ** 0.75 + e1 ** 0.75, TOL);
  });

  it('3D value', () => {
    // 1 - TI = 0.3 (see tverskyLoss 3D): 0.3^0.75
    expectClose(scalar(focalTverskyLoss(), D.labels(), D.probs()), 0.3 ** 0.75, TOL);
  });

  it('perfect prediction gives the documented minimum 1e-12^0.75 = 1e-9, with finite gradients', () => {
    expect(scalar(focalTverskyLoss(), A.labels(), A.oneHot())).toBeLessThan(2e-9);
    expectFiniteAtEdges([focalTverskyLoss(), focalTverskyLoss({ gamma: 0.5, batch: true })]);
  });
});

describe('tversky errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => tverskyLoss({ alpha: -1 })).toThrow(/tverskyLoss: options.alpha is -1/);
    expect(() => focalTverskyLoss({ gamma: 0 })).toThrow(/focalTverskyLoss: options.gamma is 0/);
    expect(() => tverskyLoss({ gamma: 1 } as never)).toThrow(/options.gamma is not a known option/);
    expectThrowsNoLeak(tverskyLoss(), tf.tensor3d([0, 2, 1, 1], [1, 2, 2]), A.probs(), /contains label 2/);
    expectThrowsNoLeak(focalTverskyLoss(), tf.zeros([1, 2, 2, 3]), A.probs(), /have shapes \[1, 2, 2, 3\] and \[1, 2, 2, 2\]/);
  });
});
