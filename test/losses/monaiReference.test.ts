// Cross-checks against MONAI's own expected values (Project-MONAI/MONAI tests/losses/
// test_dice_loss.py, test_generalized_dice_loss.py, test_tversky_loss.py, test_focal_loss.py),
// transposed from channels-first (B, C, ...) to unet-kit's channels-last (B, ..., C).
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { diceLoss } from '../../src/losses/dice.js';
import { focalLoss } from '../../src/losses/focal.js';
import { generalizedDiceLoss } from '../../src/losses/generalizedDice.js';
import { tverskyLoss } from '../../src/losses/tversky.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { scalar, values } from './fixtures.js';

const TOL = 1e-4;

// "A1": input (1, 1, 2, 2) logits [[1, -1], [-1, 1]], target [[1, 0], [1, 1]]
const a1Input = () => tf.tensor4d([1, -1, -1, 1], [1, 2, 2, 1]);
const a1Target = () => tf.tensor4d([1, 0, 1, 1], [1, 2, 2, 1]);
// "A2": two samples of A1's logits; targets all ones and [[1, 0], [1, 0]]
const a2Input = () => tf.tensor4d([1, -1, -1, 1, 1, -1, -1, 1], [2, 2, 2, 1]);
const a2Target = () => tf.tensor4d([1, 1, 1, 1, 1, 0, 1, 0], [2, 2, 2, 1]);
// "A3": input (2, 2, 3): sample 0 channels [-1, 0, 1] and [1, 0, -1], sample 1 zeros;
// label maps [1, 0, 0] and [1, 1, 0]. Channels-last: [2, 3, 2].
const a3Input = () => tf.tensor3d([-1, 1, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0], [2, 3, 2]);
const a3Labels = () => tf.tensor2d([1, 0, 0, 1, 1, 0], [2, 3]);
// "A4": input (2, 2, 3) one-hot-like probabilities, labels [0, 0, 1] and [0, 1, 0]
const a4Input = () => tf.tensor3d([1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0], [2, 3, 2]);
const a4Labels = () => tf.tensor2d([0, 0, 1, 0, 1, 0], [2, 3]);

describeEachBackend('MONAI reference values', () => {
  it('DiceLoss', () => {
    expectClose(scalar(diceLoss({ activation: 'sigmoid', smoothNumerator: 1e-6, smoothDenominator: 1e-6 }), a1Target(), a1Input()), 0.307576, TOL);
    const s4 = { smoothNumerator: 1e-4, smoothDenominator: 1e-4 };
    expectClose(scalar(diceLoss({ activation: 'sigmoid', ...s4 }), a2Target(), a2Input()), 0.416657, TOL);
    expectClose(scalar(diceLoss({ activation: 'sigmoid', ...s4 }), a3Labels(), a3Input()), 0.43505, TOL);
    expectClose(values(diceLoss({ activation: 'sigmoid', reduction: 'none', ...s4 }), a3Labels(), a3Input()), [0.296529, 0.415136, 0.599976, 0.428559], TOL);
    expectClose(scalar(diceLoss({ activation: 'softmax', ...s4 }), a3Labels(), a3Input()), 0.383713, TOL);
    expectClose(scalar(diceLoss({ activation: 'softmax', reduction: 'sum', ...s4 }), a3Labels(), a3Input()), 1.534853, TOL);
    expectClose(scalar(diceLoss({ activation: 'sigmoid', squared: true }), a1Target(), a1Input()), 0.178337, TOL);
    expectClose(scalar(diceLoss({ activation: 'sigmoid', jaccard: true }), a1Target(), a1Input()), 0.470451, TOL);
    // MONAI uses smooth_dr = 0 here; unet-kit requires > 0, 1e-12 changes nothing visible
    expectClose(scalar(diceLoss({ includeBackground: false, smoothNumerator: 0, smoothDenominator: 1e-12 }), a4Labels(), a4Input()), 0, TOL);
  });

  it('DiceLoss ignore_index equals the loss on the crop without the ignored pixels', () => {
    // MONAI TestDiceLossIgnoreIndex: (1, 3, 2, 2) log-probabilities, labels [[0, 1], [2, 2]], ignore 2
    const probs = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.8];
    const input = tf.log(tf.tensor4d(probs, [1, 2, 2, 3]));
    const crop = tf.log(tf.tensor4d(probs.slice(0, 6), [1, 1, 2, 3]));
    const full = scalar(diceLoss({ activation: 'softmax', ignoreIndex: 2 }), tf.tensor3d([0, 1, 2, 2], [1, 2, 2]), input);
    expectClose(full, scalar(diceLoss({ activation: 'softmax' }), tf.tensor3d([0, 1], [1, 1, 2]), crop), 1e-6);
  });

  it('GeneralizedDiceLoss', () => {
    expectClose(scalar(generalizedDiceLoss({ activation: 'sigmoid', smoothNumerator: 1e-6, smoothDenominator: 1e-6 }), a1Target(), a1Input()), 0.307576, TOL);
    const s4 = { smoothNumerator: 1e-4, smoothDenominator: 1e-4 };
    expectClose(scalar(generalizedDiceLoss({ activation: 'sigmoid', ...s4 }), a2Target(), a2Input()), 0.416597, TOL);
    expectClose(scalar(generalizedDiceLoss({ activation: 'sigmoid', ...s4 }), a3Labels(), a3Input()), 0.469964, TOL);
    expectClose(scalar(generalizedDiceLoss({ activation: 'softmax', ...s4 }), a3Labels(), a3Input()), 0.414507, TOL);
    expectClose(scalar(generalizedDiceLoss({ activation: 'softmax', reduction: 'sum', ...s4 }), a3Labels(), a3Input()), 0.829015, TOL);
    expectClose(values(generalizedDiceLoss({ activation: 'softmax', reduction: 'none', ...s4 }), a3Labels(), a3Input()), [0.273476, 0.555539], TOL);
    // (1, 2, 4): channels [0, 10, 10, 10] and [10, 0, 0, 0], labels [1, 1, 0, 0], 'simple', no smoothing
    const input = tf.tensor3d([0, 10, 10, 0, 10, 0, 10, 0], [1, 4, 2]);
    const simple = generalizedDiceLoss({ activation: 'softmax', weightType: 'simple', smoothNumerator: 0, smoothDenominator: 1e-12 });
    expectClose(scalar(simple, tf.tensor2d([1, 1, 0, 0], [1, 4]), input), 0.250023, TOL);
    // every counted class empty: all weights become 0 (max of no finite weight) and the loss is 0
    const empty = generalizedDiceLoss({ includeBackground: false, smoothNumerator: 1e-8, smoothDenominator: 1e-8 });
    expectClose(scalar(empty, tf.zeros([2, 3]), a4Input()), 0, TOL);
  });

  it('TverskyLoss', () => {
    const s6 = { smoothNumerator: 1e-6, smoothDenominator: 1e-6 };
    expectClose(scalar(tverskyLoss({ activation: 'sigmoid', alpha: 0.3, beta: 0.7, ...s6 }), a1Target(), a1Input()), 0.3589, TOL);
    expectClose(scalar(tverskyLoss({ activation: 'sigmoid', alpha: 0.7, beta: 0.3, ...s6 }), a1Target(), a1Input()), 0.247366, TOL);
    expectClose(scalar(tverskyLoss({ activation: 'sigmoid', batch: true }), a3Labels(), a3Input()), 0.422979, TOL);
    const s4 = { smoothNumerator: 1e-4, smoothDenominator: 1e-4 };
    expectClose(scalar(tverskyLoss({ activation: 'sigmoid', reduction: 'sum', ...s4 }), a3Labels(), a3Input()), 1.74013, TOL);
    expectClose(values(tverskyLoss({ activation: 'softmax', reduction: 'none', ...s4 }), a3Labels(), a3Input()), [0.210961, 0.295339, 0.599952, 0.428547], TOL);
  });

  it('FocalLoss (sigmoid by default, use_softmax as mode multiclass; sumOverClasses is C x MONAI)', () => {
    // (1, 3, 2, 2), every channel [[1, 1], [0.5, 0]], labels [[0, 1], [2, 0]]
    const input = tf.tensor4d([1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0, 0, 0], [1, 2, 2, 3]);
    const labels = () => tf.tensor3d([0, 1, 2, 0], [1, 2, 2]);
    expectClose(scalar(focalLoss({ mode: 'binary' }), labels(), input), 0.34959, TOL);
    expectClose(scalar(focalLoss({ mode: 'binary', alpha: 0.8 }), labels(), input), 0.08423, TOL);
    expectClose(scalar(focalLoss(), labels(), input), 0.34959, TOL);
    expectClose(scalar(focalLoss({ mode: 'multiclass' }), labels(), input), 0.16276, TOL);
    expectClose(scalar(focalLoss({ mode: 'multiclass', alpha: 0.8 }), labels(), input), 0.08138, TOL);
    // Lin et al.'s per-voxel sum over the classes is C = 3 times MONAI's mean
    expectClose(scalar(focalLoss({ mode: 'multiclass', sumOverClasses: true }), labels(), input), 3 * 0.16276, 3 * TOL);
  });
});
