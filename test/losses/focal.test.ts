import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyLoss } from '../../src/losses/crossEntropy.js';
import { focalLoss } from '../../src/losses/focal.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { A, B, D, TOL, expectFiniteAtEdges, expectThrowsNoLeak, scalar, sigmoidLogits, softmaxLogits } from './fixtures.js';

const ln = Math.log;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
// Fixture A: p of the true class per pixel
const A_PT = [0.9, 0.8, 0.4, 0.7];
// Fixture B (binary): p_t per element (p where g = 1, 1 - p where g = 0)
const B_PT = [0.8, 0.8, 0.4, 0.6];
const B_POSITIVE = [true, false, true, true];
const focalTerm = (pt: number, gamma: number) => (1 - pt) ** gamma * -ln(pt);

describeEachBackend('focalLoss', () => {
  it('multiclass, gamma 2: MONAI mean over elements (divided by C), or per-voxel sum with sumOverClasses', () => {
    // 0.01 * 0.10536 + 0.04 * 0.22314 + 0.36 * 0.91629 + 0.09 * 0.35667 = 0.37194; / 4 = 0.09299
    const expected = sum(A_PT.map((pt) => focalTerm(pt, 2))) / 4;
    expectClose(expected, 0.092986, 1e-5);
    const lin = { mode: 'multiclass', sumOverClasses: true } as const;
    expectClose(scalar(focalLoss({ ...lin, fromLogits: false }), A.labels(), A.probs()), expected, TOL);
    expectClose(scalar(focalLoss(lin), A.labels(), softmaxLogits(A.probs())), expected, TOL);
    // MONAI use_softmax: only the true class's element is non-zero, the mean runs over 4 x 2 elements
    expectClose(scalar(focalLoss({ mode: 'multiclass' }), A.labels(), softmaxLogits(A.probs())), expected / 2, TOL);
  });

  it('multiclass alpha: a number gives [1 - alpha, alpha, ...] (MONAI), an array per class', () => {
    // alpha 0.25: px0 (class 0) * 0.75, px1..3 (class 1) * 0.25
    const terms = A_PT.map((pt) => focalTerm(pt, 2));
    const expected = (0.75 * terms[0]! + 0.25 * (terms[1]! + terms[2]! + terms[3]!)) / 4;
    const lin = { mode: 'multiclass', sumOverClasses: true } as const;
    expectClose(scalar(focalLoss({ ...lin, alpha: 0.25 }), A.labels(), softmaxLogits(A.probs())), expected, TOL);
    const perClass = (2 * terms[0]! + 0.5 * (terms[1]! + terms[2]! + terms[3]!)) / 4;
    expectClose(scalar(focalLoss({ ...lin, alpha: [2, 0.5] }), A.labels(), softmaxLogits(A.probs())), perClass, TOL);
  });

  it('gamma 0 without alpha equals cross-entropy', () => {
    expectClose(
      scalar(focalLoss({ gamma: 0, mode: 'multiclass', sumOverClasses: true }), A.labels(), softmaxLogits(A.probs())),
      scalar(crossEntropyLoss(), A.labels(), softmaxLogits(A.probs())),
      1e-6,
    );
    expectClose(scalar(focalLoss({ gamma: 0 }), B.mask(), sigmoidLogits(B.probs())), sum(B_PT.map((pt) => -ln(pt))) / 4, TOL);
  });

  it('binary from logits (MONAI form) and from probabilities agree with the hand value', () => {
    // 0.04 * 0.22314 * 2 + 0.36 * 0.91629 + 0.16 * 0.51083 = 0.42945; / 4 = 0.10736
    const expected = sum(B_PT.map((pt) => focalTerm(pt, 2))) / 4;
    expectClose(scalar(focalLoss(), B.mask(), sigmoidLogits(B.probs())), expected, TOL);
    expectClose(scalar(focalLoss({ fromLogits: false }), B.mask(), B.probs()), expected, TOL);
    // gamma 0.5 (fractional power)
    const half = sum(B_PT.map((pt) => focalTerm(pt, 0.5))) / 4;
    expectClose(scalar(focalLoss({ gamma: 0.5 }), B.mask(), sigmoidLogits(B.probs())), half, TOL);
    expectClose(scalar(focalLoss({ gamma: 0.5, fromLogits: false }), B.mask(), B.probs()), half, TOL);
  });

  it("mode 'binary' (the default, MONAI's sigmoid focal) on two channels: mean over voxels x channels", () => {
    // fixture A as independent channels, p_t = p where g = 1, 1 - p where g = 0:
    //   px0 (0.9|1, 0.1|0) -> 0.9, 0.9; px1 (0.2|0, 0.8|1) -> 0.8, 0.8; px2 (0.6|0, 0.4|1) -> 0.4, 0.4; px3 (0.3|0, 0.7|1) -> 0.7, 0.7
    // gamma 2: 2 * (0.01 * 0.10536 + 0.04 * 0.22314 + 0.36 * 0.91629 + 0.09 * 0.35667) / 8 = 0.092986 (= the softmax value here)
    const pt = [0.9, 0.9, 0.8, 0.8, 0.4, 0.4, 0.7, 0.7];
    const expected = sum(pt.map((p) => focalTerm(p, 2))) / 8;
    expectClose(expected, 0.092986, 1e-5);
    expectClose(scalar(focalLoss({ mode: 'binary', fromLogits: false }), A.oneHot(), A.probs()), expected, TOL);
    expectClose(scalar(focalLoss({ mode: 'binary' }), A.oneHot(), sigmoidLogits(A.probs())), expected, TOL);
    expectClose(scalar(focalLoss(), A.labels(), sigmoidLogits(A.probs())), expected, TOL);
    // per-channel alpha [0.2, 0.9]: channel 0 positive px0 * 0.2, negatives px1..3 * 0.8;
    //   channel 1 negative px0 * 0.1, positives px1..3 * 0.9 -> (0.3 f(0.9) + 1.7 (f(0.8) + f(0.4) + f(0.7))) / 8
    const weighted = (0.3 * focalTerm(0.9, 2) + 1.7 * (focalTerm(0.8, 2) + focalTerm(0.4, 2) + focalTerm(0.7, 2))) / 8;
    expectClose(scalar(focalLoss({ mode: 'binary', alpha: [0.2, 0.9], fromLogits: false }), A.oneHot(), A.probs()), weighted, TOL);
    expect(Math.abs(weighted - expected)).toBeGreaterThan(0.01);
  });

  it('binary alpha weights positives by alpha, negatives by 1 - alpha', () => {
    const expected = sum(B_PT.map((pt, i) => (B_POSITIVE[i] ? 0.25 : 0.75) * focalTerm(pt, 2))) / 4;
    expectClose(scalar(focalLoss({ alpha: 0.25 }), B.mask(), sigmoidLogits(B.probs())), expected, TOL);
  });

  it("ignoreIndex, MONAI 'sum' (sum of per-sample-and-class voxel means), element-wise 'none', 3D", () => {
    const labels = tf.tensor3d([0, 1, 255, 1], [1, 2, 2], 'int32');
    const kept = [A_PT[0]!, A_PT[1]!, A_PT[3]!].map((pt) => focalTerm(pt, 2));
    const lin = { mode: 'multiclass', sumOverClasses: true } as const;
    expectClose(scalar(focalLoss({ ...lin, ignoreIndex: 255 }), labels, softmaxLogits(A.probs())), sum(kept) / 3, TOL);
    // sigmoid on fixture A: both channels hold p_t = A_PT, so each (sample, class) mean is S / 4
    const s = sum(A_PT.map((pt) => focalTerm(pt, 2)));
    expectClose(scalar(focalLoss({ reduction: 'sum' }), A.labels(), sigmoidLogits(A.probs())), s / 2, TOL);
    // ignoring px2: each channel's mean over 3 counted voxels
    expectClose(scalar(focalLoss({ reduction: 'sum', ignoreIndex: 255 }), labels, sigmoidLogits(A.probs())), (2 * sum(kept)) / 3, TOL);
    // fixture B: 'none' is element-wise [N, H, W, C]; with sumOverClasses [N, H, W]
    const none = focalLoss({ reduction: 'none' })(B.mask(), sigmoidLogits(B.probs()));
    expect(none.shape).toEqual([2, 1, 2, 1]);
    const t = B_PT.map((pt) => focalTerm(pt, 2));
    expectClose(Array.from(none.dataSync()), t, TOL);
    none.dispose();
    const noneA = focalLoss({ reduction: 'none', sumOverClasses: true })(A.labels(), sigmoidLogits(A.probs()));
    expect(noneA.shape).toEqual([1, 2, 2]);
    expectClose(Array.from(noneA.dataSync()), A_PT.map((pt) => 2 * focalTerm(pt, 2)), TOL);
    noneA.dispose();
    // 3D: p_t = 0.9, 0.9, 0.5, 0.5
    expectClose(scalar(focalLoss({ fromLogits: false }), D.labels(), D.probs()), (2 * focalTerm(0.9, 2) + 2 * focalTerm(0.5, 2)) / 4, TOL);
  });

  it('MONAI include_background and weight: background dropped first, classes weighted, one class unweighted', () => {
    const s = sum(A_PT.map((pt) => focalTerm(pt, 2)));
    // channel 1 alone (p_t = A_PT): mean over 4 elements
    expectClose(scalar(focalLoss({ includeBackground: false }), A.labels(), sigmoidLogits(A.probs())), s / 4, TOL);
    // weights (2, 1) on the two sigmoid channels: (2 S + S) / 8
    expectClose(scalar(focalLoss({ classWeights: [2, 1] }), A.labels(), sigmoidLogits(A.probs())), (3 * s) / 8, TOL);
    expectClose(scalar(focalLoss({ classWeights: 3 }), A.labels(), sigmoidLogits(A.probs())), (3 * s) / 4, TOL);
    // one counted class: the weight is ignored, as MONAI
    expectClose(scalar(focalLoss({ classWeights: 5 }), B.mask(), sigmoidLogits(B.probs())), sum(B_PT.map((pt) => focalTerm(pt, 2))) / 4, TOL);
    // C = 3, softmax over channels 1..2 only after dropping channel 0: logits (x, 0, ln 3) give p = (1/4, 3/4)
    const logits = tf.tensor4d([7, 0, ln(3)], [1, 1, 1, 3]);
    const labels = tf.tensor3d([2], [1, 1, 1], 'int32');
    const softOnly = focalLoss({ mode: 'multiclass', includeBackground: false });
    expectClose(scalar(softOnly, labels, logits), focalTerm(0.75, 2) / 2, TOL);
    expectClose(scalar(focalLoss({ mode: 'multiclass', includeBackground: false, classWeights: [1, 1, 4] }), labels, logits), (4 * focalTerm(0.75, 2)) / 2, TOL);
  });

  it('perfect prediction is ~0; finite values and gradients at the edges', () => {
    expect(scalar(focalLoss({ fromLogits: false }), A.labels(), A.oneHot())).toBeLessThan(1e-6);
    expectFiniteAtEdges([focalLoss({ fromLogits: false }), focalLoss({ fromLogits: false, gamma: 0.5 }), focalLoss()]);
    expectFiniteAtEdges([focalLoss(), focalLoss({ gamma: 0.5, alpha: 0.25 })], { logits: true });
  });
});

describe('focalLoss errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => focalLoss({ gamma: -1 })).toThrow(/focalLoss: options.gamma is -1/);
    expect(() => focalLoss({ alpha: 1.5 })).toThrow(/options.alpha is 1.5/);
    expect(() => focalLoss({ gama: 2 } as never)).toThrow(/Did you mean 'gamma'\?/);
    expectThrowsNoLeak(focalLoss({ alpha: [1, 2, 3] }), A.labels(), A.probs(), /has 3 entries/);
    expectThrowsNoLeak(focalLoss({ mode: 'multiclass', includeBackground: false, alpha: 0.25 }), tf.tensor3d([2], [1, 1, 1]), tf.tensor4d([0, 1, 2], [1, 1, 1, 3]), /there is no background/);
    expectThrowsNoLeak(focalLoss({ classWeights: [1, 2, 3] }), A.labels(), A.probs(), /options.classWeights has 3 entries/);
    expectThrowsNoLeak(focalLoss({ mode: 'binary', alpha: [0.5, 2] }), A.labels(), A.probs(), /numbers in \[0, 1\] in 'binary' mode/);
    expectThrowsNoLeak(focalLoss(), tf.tensor3d([0, 3, 1, 1], [1, 2, 2]), A.probs(), /contains label 3/);
  });
});
