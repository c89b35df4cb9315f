import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mccLoss } from '../../src/losses/mcc.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { B, TOL, expectFiniteAtEdges, expectThrowsNoLeak, gradient, scalar, sigmoidLogits } from './fixtures.js';

// Fixture B: p = (0.8, 0.2, 0.4, 0.6), g = (1, 0, 1, 1):
//   TP = 0.8 + 0.4 + 0.6 = 1.8, TN = 0.8, FP = 0.2, FN = 0.2 + 0.6 + 0.4 = 1.2
const mcc = (tp: number, tn: number, fp: number, fn: number) => (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));

describeEachBackend('mccLoss (SMP MCCLoss)', () => {
  it('1 - MCC of the soft counts over the whole batch', () => {
    // (1.44 - 0.24) / sqrt(2 * 3 * 1 * 2) = 1.2 / sqrt(12)
    expectClose(scalar(mccLoss({ eps: 0 }), B.mask(), B.probs()), 1 - 1.2 / Math.sqrt(12), TOL);
    const e = 1e-5;
    expectClose(scalar(mccLoss(), B.mask(), B.probs()), 1 - mcc(1.8 + e, 0.8 + e, 0.2 + e, 1.2 + e), TOL);
    expectClose(scalar(mccLoss({ activation: 'sigmoid', eps: 0 }), B.mask(), sigmoidLogits(B.probs())), 1 - 1.2 / Math.sqrt(12), TOL);
  });

  it('perfect prediction gives 0, the inverted one 2; ignored voxels count nowhere', () => {
    expectClose(scalar(mccLoss(), B.mask(), B.mask()), 0, 1e-4);
    expectClose(scalar(mccLoss(), B.mask(), tf.sub(1, B.mask())), 2, 1e-4);
    // ignoring element 0 (p 0.8, g 1): TP 1.0, TN 0.8, FP 0.2, FN 1.0
    const labels = tf.tensor4d([255, 0, 1, 1], [2, 1, 2, 1]);
    expectClose(scalar(mccLoss({ eps: 0, ignoreIndex: 255 }), labels, B.probs()), 1 - mcc(1, 0.8, 0.2, 1), TOL);
  });

  it('gradient is finite and matches a finite difference', () => {
    const loss = mccLoss();
    const g = gradient(loss, B.mask(), B.probs());
    const h = 1e-3;
    const bumped = tf.tensor4d([0.8 + h, 0.2, 0.4, 0.6], [2, 1, 2, 1]);
    const lowered = tf.tensor4d([0.8 - h, 0.2, 0.4, 0.6], [2, 1, 2, 1]);
    expectClose(g[0]!, (scalar(loss, B.mask(), bumped) - scalar(loss, B.mask(), lowered)) / (2 * h), 1e-2);
    expectFiniteAtEdges([mccLoss()]);
  });
});

describe('mccLoss errors', () => {
  it('rejects bad options and inputs', () => {
    expect(() => mccLoss({ eps: -1 })).toThrow(/mccLoss: options.eps is -1/);
    expect(() => mccLoss({ activation: 'softmax' as never })).toThrow(/options.activation is 'softmax'; expected one of 'none', 'sigmoid'/);
    expectThrowsNoLeak(mccLoss(), tf.zeros([2, 1, 3, 1]), B.probs(), /mccLoss: yTrue and yPred have shapes/);
  });
});
