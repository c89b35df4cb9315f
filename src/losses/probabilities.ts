import * as tf from '@tensorflow/tfjs-core';
import { PROB_EPSILON } from './common.js';

/** Whether the cross-entropy-type losses treat channels as independent (sigmoid) or exclusive (softmax). */
export type ProbabilityMode = 'binary' | 'multiclass';

/**
 * `log p` and `log(1 - p)` per element for independent (sigmoid) channels. From logits they are
 * `-softplus(-x)` and `-softplus(x)`: exact for any |x|, and their gradients are exactly
 * `sigmoid(x) - t` when combined into the cross-entropy. From probabilities, p is clipped to
 * `[1e-7, 1 - 1e-7]` (Keras' epsilon), so p = 0 or 1 gives finite values and gradients.
 */
export function binaryLogTerms(pred: tf.Tensor, fromLogits: boolean): { logP: tf.Tensor; logQ: tf.Tensor } {
  if (fromLogits) return { logP: tf.neg(tf.softplus(tf.neg(pred))), logQ: tf.neg(tf.softplus(pred)) };
  const p = tf.clipByValue(pred, PROB_EPSILON, 1 - PROB_EPSILON);
  return { logP: tf.log(p), logQ: tf.log(tf.sub(1, p)) };
}

/**
 * `log p_c` over the last axis for mutually exclusive classes: log-softmax of logits, or, from
 * probabilities, the log of `p / sum(p)` clipped to `[1e-7, 1 - 1e-7]` (Keras'
 * `categorical_crossentropy`).
 */
export function multiclassLogProbs(pred: tf.Tensor, fromLogits: boolean): tf.Tensor {
  // x - logSumExp(x) rather than tf.logSoftmax: same values and gradient (logSumExp subtracts
  // the max, so any logits are fine), but no custom gradient, which on wasm trips tfjs' IS_TEST
  // per-kernel data-id check (a false positive: no data id is kept across calls).
  if (fromLogits) return tf.sub(pred, tf.logSumExp(pred, -1, true));
  const normalized = tf.div(pred, tf.maximum(tf.sum(pred, -1, true), PROB_EPSILON));
  return tf.log(tf.clipByValue(normalized, PROB_EPSILON, 1 - PROB_EPSILON));
}

/**
 * Averages per-element (binary, `[N, V, C]`) or per-voxel (multiclass, `[N, V, 1]`) losses over
 * what counts: `weight` `[N, V, 1]` is each voxel's share of the denominator (the mask, or the
 * class weight of its label; null: every voxel counts 1), times the C values a voxel holds.
 * Returns the mean over the batch, or per sample (`[N]`) when `perSample`; 0 where nothing counts.
 */
export function maskedMean(losses: tf.Tensor3D, weight: tf.Tensor3D | null, perSample: boolean): tf.Tensor {
  const [n, v, c] = losses.shape;
  const axes = perSample ? [1, 2] : [0, 1, 2];
  const total = tf.sum(losses, axes);
  const count = weight === null ? tf.fill(perSample ? [n] : [], v * c * (perSample ? 1 : n)) : tf.mul(tf.sum(weight, axes), c);
  const safe = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
  return tf.div(total, safe);
}
