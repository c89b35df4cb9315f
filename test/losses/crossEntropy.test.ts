import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyLoss } from '../../src/losses/crossEntropy.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, B, D, TOL, expectFiniteAtEdges, expectThrowsNoLeak, gradient, scalar, sigmoidLogits, softmaxLogits } from './fixtures.js';

const ln = Math.log;
// Fixture A, -log p of the true class per pixel: -ln 0.9, -ln 0.8, -ln 0.4, -ln 0.7
const A_NLL = [-ln(0.9), -ln(0.8), -ln(0.4), -ln(0.7)];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
// Fixture B (binary), -log p_t per element: p_t = 0.8, 1 - 0.2, 0.4, 0.6
const B_BCE = [-ln(0.8), -ln(0.8), -ln(0.4), -ln(0.6)];

describeEachBackend('crossEntropyLoss', () => {
  it('multiclass from probabilities and from logits: mean of -log p_true', () => {
    // (0.10536 + 0.22314 + 0.91629 + 0.35667) / 4 = 0.40037
    const expected = sum(A_NLL) / 4;
    expectClose(scalar(crossEntropyLoss({ fromLogits: false }), A.labels(), A.probs()), expected, TOL);
    expectClose(scalar(crossEntropyLoss({ fromLogits: false }), A.oneHot(), A.probs()), expected, TOL);
    // logSoftmax(log p) = log p, rows summing to 1
    expectClose(scalar(crossEntropyLoss(), A.labels(), softmaxLogits(A.probs())), expected, TOL);
  });

  it('class weights give torch\'s weighted mean: sum(w_y * nll) / sum(w_y)', () => {
    // w = (2, 1): (2 * 0.10536 + 0.22314 + 0.91629 + 0.35667) / (2 + 1 + 1 + 1)
    const expected = (2 * A_NLL[0]! + A_NLL[1]! + A_NLL[2]! + A_NLL[3]!) / 5;
    expectClose(scalar(crossEntropyLoss({ fromLogits: false, classWeights: [2, 1] }), A.labels(), A.probs()), expected, TOL);
  });

  it('ignoreIndex leaves the ignored pixel out of sum and count', () => {
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const expected = (A_NLL[0]! + A_NLL[1]! + A_NLL[3]!) / 3;
    expectClose(scalar(crossEntropyLoss({ fromLogits: false, ignoreIndex: 255 }), labels, A.probs()), expected, TOL);
    // every pixel ignored: 0, not NaN
    const allIgnored = tf.fill([1, 2, 2], 255, 'int32');
    expect(scalar(crossEntropyLoss({ ignoreIndex: 255 }), allIgnored, A.probs())).toBe(0);
  });

  it("SMP's ignore rule (ignoredInMean 'all'): ignored voxels add 0 but stay in the denominator", () => {
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const kept = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7));
    expectClose(scalar(crossEntropyLoss({ ignoreIndex: 255, ignoredInMean: 'all' }), labels, softmaxLogits(A.probs())), kept / 4, TOL);
    expectClose(scalar(crossEntropyLoss({ ignoreIndex: 255 }), labels, softmaxLogits(A.probs())), kept / 3, TOL);
    // binary: fixture B with element 1 (label 0) ignored via a label map of 0 / 1 / 255 -> 3 kept of 4
    const mask = tf.tensor4d([1, 255, 1, 1], [2, 1, 2, 1]);
    const bce = -(Math.log(0.8) + Math.log(0.4) + Math.log(0.6));
    expectClose(scalar(crossEntropyLoss({ ignoreIndex: 255, ignoredInMean: 'all', checkLabels: false }), mask, sigmoidLogits(B.probs())), bce / 4, TOL);
  });

  it("positiveWeights is torch's pos_weight: -(w t log p + (1 - t) log(1 - p))", () => {
    const expected = -(3 * Math.log(0.8) + Math.log(0.8) + 3 * Math.log(0.4) + 3 * Math.log(0.6)) / 4;
    expectClose(scalar(crossEntropyLoss({ positiveWeights: [3] }), B.mask(), sigmoidLogits(B.probs())), expected, TOL);
    expectThrowsNoLeak(crossEntropyLoss({ positiveWeights: [1, 2] }), A.labels(), A.probs(), /positiveWeights applies to mode 'binary' only/);
  });

  it('label smoothing mixes in the uniform distribution: t = 0.9 / 0.1 for e = 0.2, C = 2', () => {
    // per pixel -(0.9 ln p_true + 0.1 ln p_other)
    const probs = [
      [0.9, 0.1],
      [0.8, 0.2],
      [0.4, 0.6],
      [0.7, 0.3],
    ];
    const expected = sum(probs.map(([t, o]) => -(0.9 * ln(t!) + 0.1 * ln(o!)))) / 4;
    expectClose(scalar(crossEntropyLoss({ fromLogits: false, labelSmoothing: 0.2 }), A.labels(), A.probs()), expected, TOL);
  });

  it("reductions: 'sum' and per-sample 'none'", () => {
    expectClose(scalar(crossEntropyLoss({ fromLogits: false, reduction: 'sum' }), A.labels(), A.probs()), sum(A_NLL), TOL);
    const none = crossEntropyLoss({ mode: 'binary', fromLogits: false, reduction: 'none' })(B.mask(), B.probs());
    expect(none.shape).toEqual([2]);
    expectClose(Array.from(none.dataSync()), [(B_BCE[0]! + B_BCE[1]!) / 2, (B_BCE[2]! + B_BCE[3]!) / 2], TOL);
    none.dispose();
  });

  it('binary from probabilities and logits; binary label smoothing t = 0.95 / 0.05', () => {
    // (0.22314 + 0.22314 + 0.91629 + 0.51083) / 4 = 0.46835
    expectClose(scalar(crossEntropyLoss({ fromLogits: false }), B.mask(), B.probs()), sum(B_BCE) / 4, TOL);
    expectClose(scalar(crossEntropyLoss(), B.mask(), sigmoidLogits(B.probs())), sum(B_BCE) / 4, TOL);
    const p = [0.8, 0.2, 0.4, 0.6];
    const g = [1, 0, 1, 1];
    const smoothed = sum(p.map((pi, i) => {
      const t = g[i]! * 0.9 + 0.05;
      return -(t * ln(pi) + (1 - t) * ln(1 - pi));
    })) / 4;
    expectClose(scalar(crossEntropyLoss({ labelSmoothing: 0.1 }), B.mask(), sigmoidLogits(B.probs())), smoothed, TOL);
    // per-channel weight 3 scales every element: 3 * mean
    expectClose(scalar(crossEntropyLoss({ classWeights: [3] }), B.mask(), sigmoidLogits(B.probs())), (3 * sum(B_BCE)) / 4, TOL);
  });

  it('binary mode on several channels (multi-label) with one-hot targets', () => {
    // fixture A as 2 independent channels: per element -ln(p) where g = 1, -ln(1 - p) where g = 0
    // px0 (0.9|1, 0.1|0), px1 (0.2|0, 0.8|1), px2 (0.6|0, 0.4|1), px3 (0.3|0, 0.7|1)
    const expected = (2 * -ln(0.9) + 2 * -ln(0.8) + 2 * -ln(0.4) + 2 * -ln(0.7)) / 8;
    expectClose(scalar(crossEntropyLoss({ mode: 'binary', fromLogits: false }), A.oneHot(), A.probs()), expected, TOL);
  });

  it('3D volume with a binary label map', () => {
    // -ln 0.9, -ln 0.9, -ln 0.5, -ln 0.5 -> mean
    expectClose(scalar(crossEntropyLoss({ fromLogits: false }), D.labels(), D.probs()), (2 * -ln(0.9) + 2 * -ln(0.5)) / 4, TOL);
  });

  it('perfect logits approach 0; probabilities 0 and 1 give the clipped minimum', () => {
    const logits = tf.mul(tf.sub(A.oneHot(), 0.5), 40); // +-20
    expect(scalar(crossEntropyLoss(), A.labels(), logits)).toBeLessThan(1e-6);
    // -ln(1 - 1e-7) ~ 1e-7
    expect(scalar(crossEntropyLoss({ fromLogits: false }), A.labels(), A.oneHot())).toBeLessThan(1e-6);
  });

  it('gradient from logits is softmax(x) - t (per pixel, / pixel count)', () => {
    // d/dx mean CE = (p - onehot) / 4 with p = softmax(log p) = fixture probabilities
    const g = gradient(crossEntropyLoss(), A.labels(), softmaxLogits(A.probs()));
    const onehot = [1, 0, 0, 1, 0, 1, 0, 1];
    const probs = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7];
    expectClose(g, probs.map((p, i) => (p - onehot[i]!) / 4), 1e-5);
    // binary: sigmoid(x) - t, exact even at x = 0 (sigmoid 0.5)
    const g0 = gradient(crossEntropyLoss(), B.mask(), tf.zeros([2, 1, 2, 1]));
    expectClose(g0, [1, 0, 1, 1].map((t) => (0.5 - t) / 4), 1e-6);
  });

  it('finite values and gradients at the edges (probabilities 0/1, logits +-100)', () => {
    expectFiniteAtEdges([crossEntropyLoss({ fromLogits: false }), crossEntropyLoss(), crossEntropyLoss({ mode: 'binary', fromLogits: false })]);
    expectFiniteAtEdges([crossEntropyLoss()], { logits: true });
  });
});

describe('crossEntropyLoss errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => crossEntropyLoss({ mode: 'multiClass' as never })).toThrow(/Did you mean 'multiclass'\?/);
    expect(() => crossEntropyLoss({ labelSmoothing: 1 })).toThrow(/options.labelSmoothing is 1/);
    expect(() => crossEntropyLoss({ classWeights: 2 as never })).toThrow(/an array of numbers >= 0/);
    expectThrowsNoLeak(crossEntropyLoss(), tf.tensor3d([0, 2, 1, 1], [1, 2, 2]), A.probs(), /contains label 2/);
    expectThrowsNoLeak(crossEntropyLoss({ classWeights: [1, 2, 3] }), A.labels(), A.probs(), /has 3 entries/);
    expectThrowsNoLeak(crossEntropyLoss({ mode: 'multiclass' }), B.mask(), B.probs(), /'multiclass' but yPred has 1 channel/);
    expectThrowsNoLeak(crossEntropyLoss(), tf.zeros([2, 2]), B.probs(), /yTrue and yPred have shapes/);
  });
});
