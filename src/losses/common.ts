import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { OutputActivation } from '../core/outputActivation.js';
import type { LossReduction } from './types.js';

/** Clip bound for probabilities before a log (Keras' `epsilon()`). */
export const PROB_EPSILON = 1e-7;

/** Floor under the base of a fractional power, so its gradient stays finite at 0. */
export const POW_EPSILON = 1e-12;

/** Applies the overlap losses' `activation` (default `'none'`) to `[N, V, C]` logits. */
export function activate(fn: string, pred: tf.Tensor3D, activation: OutputActivation | undefined): tf.Tensor3D {
  if (activation === 'sigmoid') return tf.sigmoid(pred);
  if (activation === 'softmax') {
    if (pred.shape[2] < 2) {
      throw new UnetKitError(
        fn,
        'options.activation',
        "is 'softmax' but yPred has 1 channel; expected 'sigmoid' for a single-channel (binary) output, or C >= 2 channels.",
      );
    }
    return tf.softmax(pred, -1);
  }
  return pred;
}

/** Reduces per-item losses by `reduction`. */
export function reduceLoss(values: tf.Tensor, reduction: LossReduction): tf.Tensor {
  if (reduction === 'mean') return tf.mean(values);
  if (reduction === 'sum') return tf.sum(values);
  return values;
}

/**
 * `base ** gamma` with a gradient that stays finite where `base` is 0 (a fractional gamma's
 * derivative is infinite there); exact for `base >= POW_EPSILON` and integer gammas.
 */
export function safePow(base: tf.Tensor, gamma: number): tf.Tensor {
  if (gamma === 0) return tf.onesLike(base);
  if (gamma === 1) return base;
  if (gamma === 2) return tf.square(base);
  return tf.pow(tf.maximum(base, POW_EPSILON), gamma);
}

/** Drops channel 0 (background) of `[N, V, C]` tensors when `includeBackground` is false. */
export function dropBackground(fn: string, includeBackground: boolean, ...tensors: tf.Tensor3D[]): tf.Tensor3D[] {
  if (includeBackground) return tensors;
  // The tensors share one shape (prediction and target).
  const [n, v, c] = tensors[0]!.shape;
  if (c < 2) {
    throw new UnetKitError(
      fn,
      'options.includeBackground',
      'is false but yPred has 1 channel; a single-channel output has no background channel to drop (use true).',
    );
  }
  return tensors.map((t) => tf.slice(t, [0, 0, 1], [n, v, c - 1]));
}

/**
 * Resolves per-class weights for `numClasses` counted classes: a number applies to all; an
 * array has one entry per counted class or, when the background was dropped, one per class of
 * yPred (its first entry is then dropped too).
 */
export function resolveClassWeights(
  fn: string,
  argument: string,
  weights: number | readonly number[] | undefined,
  counted: number,
  backgroundDropped: boolean,
): tf.Tensor1D | number | null {
  if (weights === undefined) return null;
  // One number multiplies every class alike: a plain scalar factor.
  if (typeof weights === 'number') return weights;
  if (weights.length === counted) return tf.tensor1d(weights as number[]);
  if (backgroundDropped && weights.length === counted + 1) return tf.tensor1d(weights.slice(1) as number[]);
  throw new UnetKitError(
    fn,
    argument,
    `has ${weights.length} entries (${formatValue(weights)}) but ${counted} classes are counted; expected ${counted}${
      backgroundDropped ? ` (or ${counted + 1}, including the dropped background)` : ''
    } entries, or one number.`,
  );
}

/** Names a loss function (tfjs shows function names in some logs). */
export function named<F extends (...args: never[]) => unknown>(name: string, f: F): F {
  Object.defineProperty(f, 'name', { value: name });
  return f;
}
