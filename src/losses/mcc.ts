import * as tf from '@tensorflow/tfjs-core';
import { assertOptions } from '../core/assert.js';
import { isLabelCheck, numberIn, oneOf } from './checks.js';
import { named } from './common.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossFunction } from './types.js';

/** Options of {@link mccLoss} (SMP `MCCLoss`). */
export interface MccLossOptions {
  /** `'none'` (default, SMP: yPred holds probabilities) or `'sigmoid'` (logits). */
  activation?: 'none' | 'sigmoid';
  /** Added to each of TP, TN, FP, FN (`eps`). Default 1e-5; >= 0. */
  eps?: number;
  /** Label whose voxels count nowhere (zeroed in prediction and target alike). */
  ignoreIndex?: number;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/**
 * Matthews correlation coefficient loss, SMP `MCCLoss` (Abhishek & Hamarneh 2021): soft counts
 * over the whole batch and every channel, `TP = sum(p g) + eps`, `TN = sum((1 - p)(1 - g)) + eps`,
 * `FP = sum(p (1 - g)) + eps`, `FN = sum((1 - p) g) + eps`, and
 *
 * `loss = 1 - (TP TN - FP FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN))`.
 *
 * Shapes: `yPred` `[N, ...spatial, C]` probabilities (or logits with `activation: 'sigmoid'`);
 * `yTrue` a binary mask or one-hot of the same shape, or a label map. Returns a scalar in [0, 2].
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: mccLoss({ activation: 'sigmoid' }) });
 * ```
 */
export function mccLoss(options?: MccLossOptions): LossFunction {
  const fn = 'mccLoss';
  assertOptions(fn, options, { activation: oneOf(['none', 'sigmoid']), eps: numberIn({ min: 0 }), ignoreIndex: numberIn({ integer: true }), checkLabels: isLabelCheck });
  const { activation = 'none', eps = 1e-5, ignoreIndex, checkLabels } = options ?? {};
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { pred, target: g, mask } = preparePair(fn, yTrue, yPred, { ignoreIndex, checkLabels });
      const activated = activation === 'sigmoid' ? tf.sigmoid(pred) : pred;
      const p = mask === null ? activated : tf.mul(activated, mask);
      // Ignored voxels add to no count: their (1 - p)(1 - g) term is masked too.
      const q = mask === null ? tf.sub(1, p) : tf.mul(tf.sub(1, p), mask);
      const h = mask === null ? tf.sub(1, g) : tf.mul(tf.sub(1, g), mask);
      const tp = tf.add(tf.sum(tf.mul(p, g)), eps);
      const tn = tf.add(tf.sum(tf.mul(q, h)), eps);
      const fp = tf.add(tf.sum(tf.mul(p, h)), eps);
      const fnCount = tf.add(tf.sum(tf.mul(q, g)), eps);
      const numerator = tf.sub(tf.mul(tp, tn), tf.mul(fp, fnCount));
      const denominator = tf.sqrt(tf.mul(tf.mul(tf.add(tp, fp), tf.add(tp, fnCount)), tf.mul(tf.add(tn, fp), tf.add(tn, fnCount))));
      return tf.sub(1, tf.div(numerator, denominator));
    }),
  );
}
