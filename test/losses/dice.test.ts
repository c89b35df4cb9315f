import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { diceLoss, jaccardLoss } from '../../src/losses/dice.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, B, D, TOL, expectFinite, expectFiniteAtEdges, expectThrowsNoLeak, gradient, scalar, sigmoidLogits, softmaxLogits } from './fixtures.js';


describeEachBackend('diceLoss', () => {
  it('matches the hand-computed 2D value with label-map and one-hot targets', () => {
    // class 0: 1 - 2*0.9 / (1 + 2.0) = 1 - 1.8/3 = 0.4
    // class 1: 1 - 2*1.9 / (3 + 2.0) = 1 - 3.8/5 = 0.24
    // mean over (sample, class) = (0.4 + 0.24) / 2 = 0.32
    const p = A.probs();
    expectClose(scalar(diceLoss(), A.labels(), p), 0.32, TOL);
    expectClose(scalar(diceLoss(), A.oneHot(), p), 0.32, TOL);
    expectClose(scalar(diceLoss(), tf.reshape(A.labels(), [1, 2, 2, 1]), p), 0.32, TOL);
  });

  it('includeBackground false keeps class 1 only', () => {
    expectClose(scalar(diceLoss({ includeBackground: false }), A.labels(), A.probs()), 0.24, TOL);
  });

  it('squared uses sums of squares in the denominator', () => {
    // class 0: sum p^2 = 0.81 + 0.04 + 0.36 + 0.09 = 1.30; 1 - 1.8 / (1 + 1.3) = 1 - 1.8/2.3
    // class 1: sum p^2 = 0.01 + 0.64 + 0.16 + 0.49 = 1.30; 1 - 3.8 / (3 + 1.3) = 1 - 3.8/4.3
    const expected = (1 - 1.8 / 2.3 + (1 - 3.8 / 4.3)) / 2;
    expectClose(scalar(diceLoss({ squared: true }), A.labels(), A.probs()), expected, TOL);
  });

  it('jaccard uses 2 * (G + P - I) in the denominator (MONAI), same as jaccardLoss', () => {
    // class 0: 1 - 1.8 / (2 * (3 - 0.9)) = 1 - 1.8/4.2; class 1: 1 - 3.8 / (2 * (5 - 1.9)) = 1 - 3.8/6.2
    const expected = (1 - 1.8 / 4.2 + (1 - 3.8 / 6.2)) / 2;
    expectClose(scalar(diceLoss({ jaccard: true }), A.labels(), A.probs()), expected, TOL);
    expectClose(scalar(jaccardLoss(), A.labels(), A.probs()), expected, TOL);
  });

  it('classWeights multiply each class before a plain mean (MONAI weight)', () => {
    // (1 * 0.4 + 3 * 0.24) / 2 = 0.56
    expectClose(scalar(diceLoss({ classWeights: [1, 3] }), A.labels(), A.probs()), 0.56, TOL);
    // without background, [3] or the full [w0, w1] = [7, 3] both give 3 * 0.24
    expectClose(scalar(diceLoss({ includeBackground: false, classWeights: [3] }), A.labels(), A.probs()), 0.72, TOL);
    expectClose(scalar(diceLoss({ includeBackground: false, classWeights: [7, 3] }), A.labels(), A.probs()), 0.72, TOL);
    expectClose(scalar(diceLoss({ classWeights: 2 }), A.labels(), A.probs()), 0.64, TOL);
  });

  it("reduction 'sum' and 'none' ([N, C])", () => {
    expectClose(scalar(diceLoss({ reduction: 'sum' }), A.labels(), A.probs()), 0.64, TOL);
    const none = diceLoss({ reduction: 'none' })(A.labels(), A.probs());
    expect(none.shape).toEqual([1, 2]);
    expectClose(Array.from(none.dataSync()), [0.4, 0.24], TOL);
    none.dispose();
  });

  it('smoothNumerator / smoothDenominator enter as written', () => {
    // class 0: 1 - (1.8 + 1) / (3 + 1) = 0.3; class 1: 1 - (3.8 + 1) / (5 + 1) = 0.2; mean 0.25
    expectClose(scalar(diceLoss({ smoothNumerator: 1, smoothDenominator: 1 }), A.labels(), A.probs()), 0.25, 1e-6);
    // numerator smoothing 0: an empty class predicted empty gives 1 - 0/1e-5 = 1
    expectClose(scalar(diceLoss({ smoothNumerator: 0 }), tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])), 1, 1e-6);
  });

  it('smoothDenominator 0 is allowed (MONAI smooth_dr = 0); an empty class is then 0 / 0 unless floored', () => {
    const exact = { smoothNumerator: 0, smoothDenominator: 0 };
    // class 0: 1 - 1.8 / 3 = 0.4, class 1: 1 - 3.8 / 5 = 0.24
    expectClose(scalar(diceLoss(exact), A.labels(), A.probs()), 0.32, 1e-6);
    const empty = tf.zeros([1, 2, 2, 1]);
    expect(Number.isNaN(scalar(diceLoss(exact), empty, empty))).toBe(true);
    // SMP: (2I + smooth) / clamp_min(card + smooth, eps) = 0 / 1e-7 -> loss 1 for the empty class
    expectClose(scalar(diceLoss({ ...exact, denominatorFloor: 1e-7 }), empty, empty), 1, 1e-6);
  });

  it("SMP's form: batch sums, clamp_min(eps) and a class absent from the batch contributing 0", () => {
    const smp = { batch: true, smoothNumerator: 0, smoothDenominator: 0, denominatorFloor: 1e-7, zeroAbsentClasses: true };
    // every label 1: class 0 absent -> 0; class 1: I = 0.1 + 0.8 + 0.4 + 0.7 = 2, G = 4, P = 2 -> 1 - 4 / 6
    const allOnes = tf.ones([1, 2, 2], 'int32');
    expectClose(scalar(diceLoss(smp), allOnes, A.probs()), (0 + 1 / 3) / 2, 1e-6);
    expectClose(scalar(diceLoss({ ...smp, zeroAbsentClasses: false }), allOnes, A.probs()), (1 + 1 / 3) / 2, 1e-6);
    // SMP JaccardLoss is I / (card - I): 1 - 2 / 4 for class 1 (unet-kit's jaccard doubles both sides)
    expectClose(scalar(jaccardLoss(smp), allOnes, A.probs()), (0 + 0.5) / 2, 1e-6);
    // a class present in the batch is scored: fixture A has both classes, values as MONAI's batch Dice
    expectClose(scalar(diceLoss(smp), A.labels(), A.probs()), 0.32, 1e-6);
  });

  it('softLabel uses the L1 intersection: a soft target equal to the prediction scores 0', () => {
    const exact = { smoothNumerator: 0, smoothDenominator: 0 };
    // target = prediction = A's probabilities; sum p^2 = 1.3 and sum p = 2 in both classes: 1 - 2.6 / 4
    expectClose(scalar(diceLoss(exact), A.probs(), A.probs()), 0.35, 1e-6);
    expectClose(scalar(diceLoss({ ...exact, softLabel: true }), A.probs(), A.probs()), 0, 1e-6);
    // hard targets: both forms agree (|p - g| = p + g - 2pg for g in {0, 1})
    expectClose(scalar(diceLoss({ ...exact, softLabel: true }), A.labels(), A.probs()), 0.32, 1e-6);
    // soft target 0.5 everywhere in class 1 of a one-pixel image with p = 0.8: I = (0.8 + 0.5 - 0.3) / 2 = 0.5
    const p = tf.tensor4d([0.8], [1, 1, 1, 1]);
    const g = tf.tensor4d([0.5], [1, 1, 1, 1]);
    expectClose(scalar(diceLoss({ ...exact, softLabel: true }), g, p), 1 - 1 / 1.3, 1e-6);
    expectClose(scalar(diceLoss(exact), g, p), 1 - 0.8 / 1.3, 1e-6);
  });

  it('ignoreIndex drops the ignored pixels from every sum', () => {
    // px2 ignored: class 0: I = 0.9, G = 1, P = 0.9 + 0.2 + 0.3 = 1.4 -> 1 - 1.8/2.4 = 0.25
    //              class 1: I = 0.8 + 0.7 = 1.5, G = 2, P = 0.1 + 0.8 + 0.7 = 1.6 -> 1 - 3/3.6
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const expected = (0.25 + (1 - 3 / 3.6)) / 2;
    expectClose(scalar(diceLoss({ ignoreIndex: 255 }), labels, A.probs()), expected, TOL);
  });

  it('batch sums over the batch before dividing', () => {
    // per sample: s0: 1 - 1.6 / (1 + 1.0) = 0.2; s1: 1 - 2.0 / (2 + 1.0) = 1/3; mean = 0.26667
    // batch:      I = 1.8, G = 3, P = 2.0: 1 - 3.6 / 5 = 0.28
    expectClose(scalar(diceLoss(), B.mask(), B.probs()), (0.2 + 1 / 3) / 2, TOL);
    expectClose(scalar(diceLoss({ batch: true }), B.mask(), B.probs()), 0.28, TOL);
    const none = diceLoss({ batch: true, reduction: 'none' })(B.mask(), B.probs());
    expect(none.shape).toEqual([1]);
    none.dispose();
  });

  it('activation softmax / sigmoid apply to logits', () => {
    // softmax(log p) = p / sum(p) = p (rows sum to 1) -> same 0.32
    expectClose(scalar(diceLoss({ activation: 'softmax' }), A.labels(), softmaxLogits(A.probs())), 0.32, TOL);
    // sigmoid(log(p / (1 - p))) = p -> fixture B's 0.26667
    expectClose(scalar(diceLoss({ activation: 'sigmoid' }), B.mask(), sigmoidLogits(B.probs())), (0.2 + 1 / 3) / 2, TOL);
  });

  it('works on a 3D volume with a label map (binary)', () => {
    // I = 0.9 + 0.5 = 1.4, G = 2, P = 2.0: 1 - 2.8 / 4 = 0.3
    expectClose(scalar(diceLoss(), D.labels(), D.probs()), 0.3, TOL);
  });

  it('perfect prediction gives 0; empty target and empty prediction give 0', () => {
    expect(scalar(diceLoss(), A.labels(), A.oneHot())).toBeLessThan(1e-6);
    expect(scalar(diceLoss(), tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1]))).toBeLessThan(1e-6);
    // empty target, full prediction: 1 - 1e-5 / (4 + 1e-5) ~ 1
    expectClose(scalar(diceLoss(), tf.zeros([1, 2, 2, 1]), tf.ones([1, 2, 2, 1])), 1, 1e-5);
  });

  it('is symmetric in yTrue and yPred for soft inputs of the same shape', () => {
    const a = tf.tensor4d([0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 1, 0], [1, 2, 2, 2]);
    const b = tf.tensor4d([0.6, 0.4, 0.3, 0.3, 0, 1, 0.8, 0.1], [1, 2, 2, 2]);
    expectClose(scalar(diceLoss(), a, b), scalar(diceLoss(), b, a), 1e-6);
  });

  it('has finite values and gradients at the edges', () => {
    expectFiniteAtEdges([diceLoss(), diceLoss({ squared: true }), jaccardLoss(), diceLoss({ batch: true })]);
    const huge = tf.mul(tf.sub(A.oneHot(), 0.5), 200); // logits +-100
    expectFinite(gradient(diceLoss({ activation: 'softmax' }), A.labels(), huge), 'softmax logits +-100');
    expectFinite(gradient(diceLoss({ activation: 'sigmoid' }), A.oneHot(), huge), 'sigmoid logits +-100');
  });

  it('gradient matches a finite difference', () => {
    const p = A.probs();
    const g = gradient(diceLoss(), A.labels(), p);
    const h = 1e-2;
    const bump = tf.tensor4d([h, 0, 0, 0, 0, 0, 0, 0], [1, 2, 2, 2]);
    const fd = (scalar(diceLoss(), A.labels(), tf.add(p, bump)) - scalar(diceLoss(), A.labels(), tf.sub(p, bump))) / (2 * h);
    // d/dp00 of class-0 loss / 2: -(2 * 1 * 3 - 1.8 * 1) / 3^2 / 2 = -(6 - 1.8) / 9 / 2 = -0.23333
    expectClose(g[0]!, -(6 - 1.8) / 9 / 2, 1e-3);
    expectClose(g[0]!, fd, 1e-3);
  });
});

describe('diceLoss errors', () => {
  it('rejects mismatched shapes, naming both', () => {
    expectThrowsNoLeak(diceLoss(), tf.zeros([1, 3, 2, 2]), A.probs(), /diceLoss: yTrue and yPred have shapes \[1, 3, 2, 2\] and \[1, 2, 2, 2\]/);
  });

  it('rejects labels >= numClasses and negative labels', () => {
    expectThrowsNoLeak(diceLoss(), tf.tensor3d([0, 2, 1, 1], [1, 2, 2]), A.probs(), /contains label 2; yPred has 2 channels/);
    expectThrowsNoLeak(diceLoss(), tf.tensor3d([0, -1, 1, 1], [1, 2, 2]), A.probs(), /contains label -1/);
    expectThrowsNoLeak(diceLoss(), tf.tensor3d([0, 0.5, 1, 1], [1, 2, 2]), A.probs(), /non-integer/);
    expectThrowsNoLeak(diceLoss(), tf.tensor4d([0, 2, 1, 1], [1, 2, 2, 1]), tf.zeros([1, 2, 2, 1]), /values in \[0, 1\]/);
  });

  it('skips the label check when checkLabels is false', () => {
    // out-of-range label becomes an all-zero one-hot row (tf.oneHot) instead of an error
    expect(() => scalar(diceLoss({ checkLabels: false }), tf.tensor3d([0, 2, 1, 1], [1, 2, 2]), A.probs())).not.toThrow();
  });

  it('rejects a wrong rank', () => {
    expectThrowsNoLeak(diceLoss(), tf.zeros([2]), tf.zeros([2]), /yPred has shape \[2\] \(rank 1\); expected rank >= 2/);
  });

  it('rejects bad options with a suggestion', () => {
    expect(() => diceLoss({ reduction: 'meen' as never })).toThrow(/Did you mean 'mean'\?/);
    expect(() => diceLoss({ includeBackgroud: false } as never)).toThrow(/Did you mean 'includeBackground'\?/);
    expect(() => diceLoss({ smoothDenominator: -1 })).toThrow(UnetKitError);
    expect(() => diceLoss({ denominatorFloor: -1e-7 })).toThrow(/diceLoss: options.denominatorFloor is -1e-7/);
    expect(() => diceLoss({ softLabel: 1 as never })).toThrow(/options.softLabel is 1/);
    expect(() => diceLoss({ classWeights: [1, -1] })).toThrow(/item 1 is -1/);
    expectThrowsNoLeak(diceLoss({ classWeights: [1, 2, 3] }), A.labels(), A.probs(), /has 3 entries/);
    expectThrowsNoLeak(diceLoss({ activation: 'softmax' }), B.mask(), B.probs(), /'softmax' but yPred has 1 channel/);
    expectThrowsNoLeak(diceLoss({ includeBackground: false }), B.mask(), B.probs(), /no background channel/);
  });
});
