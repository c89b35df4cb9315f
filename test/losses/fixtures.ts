import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import type { LossFunction } from '../../src/losses/types.js';

/**
 * Fixture A: one 2x2 image, C = 2, probabilities per pixel (row-major) and labels
 *   px0 (0.9, 0.1) label 0 | px1 (0.2, 0.8) label 1
 *   px2 (0.6, 0.4) label 1 | px3 (0.3, 0.7) label 1
 * Per-class sums used throughout:
 *   class 0: I = 0.9, G = 1, P = 0.9 + 0.2 + 0.6 + 0.3 = 2.0
 *   class 1: I = 0.8 + 0.4 + 0.7 = 1.9, G = 3, P = 0.1 + 0.8 + 0.4 + 0.7 = 2.0
 */
export const A_PROBS = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7];
export const A_LABELS = [0, 1, 1, 1];
export const A = {
  probs: (): tf.Tensor4D => tf.tensor4d(A_PROBS, [1, 2, 2, 2]),
  labels: (): tf.Tensor3D => tf.tensor3d(A_LABELS, [1, 2, 2], 'int32'),
  oneHot: (): tf.Tensor4D => tf.tensor4d([1, 0, 0, 1, 0, 1, 0, 1], [1, 2, 2, 2]),
};

/**
 * Fixture B: two samples of 1x2 pixels, C = 1 (binary):
 *   sample 0: p = (0.8, 0.2), g = (1, 0)
 *   sample 1: p = (0.4, 0.6), g = (1, 1)
 */
export const B = {
  probs: (): tf.Tensor4D => tf.tensor4d([0.8, 0.2, 0.4, 0.6], [2, 1, 2, 1]),
  mask: (): tf.Tensor4D => tf.tensor4d([1, 0, 1, 1], [2, 1, 2, 1]),
};

/**
 * Fixture D (3D): one volume D=2, H=1, W=2, C = 1:
 *   p = (0.9, 0.1, 0.5, 0.5), g = (1, 0, 1, 0)
 */
export const D = {
  probs: (): tf.Tensor5D => tf.tensor5d([0.9, 0.1, 0.5, 0.5], [1, 2, 1, 2, 1]),
  labels: (): tf.Tensor4D => tf.tensor4d([1, 0, 1, 0], [1, 2, 1, 2], 'int32'),
};

/** Tolerance of the hand-computed loss values. */
export const TOL = 1e-4;

/** Logits whose softmax over the last axis is `probs` (rows summing to 1): log p. */
export const softmaxLogits = (probs: tf.Tensor): tf.Tensor => tf.log(probs);
/** Logits whose sigmoid is `probs`: log(p / (1 - p)). */
export const sigmoidLogits = (probs: tf.Tensor): tf.Tensor => tf.log(tf.div(probs, tf.sub(1, probs)));

/** Evaluates `loss` without leaking and returns its values as a flat array. */
export function values(loss: LossFunction, yTrue: tf.Tensor, yPred: tf.Tensor): number[] {
  const before = tf.memory().numTensors;
  const out = loss(yTrue, yPred);
  const result = Array.from(out.dataSync());
  out.dispose();
  expect(tf.memory().numTensors, 'tensors leaked by the loss').toBe(before);
  return result;
}

/** Evaluates a scalar `loss`, checking it is a scalar and leaks nothing. */
export function scalar(loss: LossFunction, yTrue: tf.Tensor, yPred: tf.Tensor): number {
  const before = tf.memory().numTensors;
  const out = loss(yTrue, yPred);
  expect(out.rank, 'loss rank').toBe(0);
  const v = out.dataSync()[0]!;
  out.dispose();
  expect(tf.memory().numTensors, 'tensors leaked by the loss').toBe(before);
  return v;
}

/** Gradient of `loss` with respect to yPred, read to an array; leaks nothing. */
export function gradient(loss: LossFunction, yTrue: tf.Tensor, yPred: tf.Tensor): number[] {
  const before = tf.memory().numTensors;
  const g = tf.grad((x: tf.Tensor) => loss(yTrue, x) as tf.Scalar)(yPred);
  const result = Array.from(g.dataSync());
  g.dispose();
  expect(tf.memory().numTensors, 'tensors leaked by the gradient').toBe(before);
  return result;
}

/** Asserts every entry is finite. */
export function expectFinite(xs: number[], what: string): void {
  xs.forEach((x, i) => expect(Number.isFinite(x), `${what}[${i}] = ${x}`).toBe(true));
}

/**
 * Asserts `loss(yTrue, yPred)` throws a UnetKitError matching `pattern` and leaks no tensor of
 * its own (the inputs are disposed afterwards).
 */
export function expectThrowsNoLeak(loss: LossFunction, yTrue: tf.Tensor, yPred: tf.Tensor, pattern: RegExp): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    loss(yTrue, yPred);
  } catch (e) {
    error = e;
  }
  expect(error, 'expected the call to throw').toBeInstanceOf(UnetKitError);
  expect(String(error)).toMatch(pattern);
  expect(tf.memory().numTensors, 'tensors leaked by the failing call').toBe(before);
  tf.dispose([yTrue, yPred]);
}

/** One input pair of {@link edgeCases}. */
export interface EdgeCase {
  name: string;
  yTrue: () => tf.Tensor;
  yPred: () => tf.Tensor;
}

/**
 * Edge cases every loss must survive with finite values and gradients: predictions of exactly
 * 0 and 1 (right and wrong), an empty target, an all-background batch.
 */
export function edgeCases(): EdgeCase[] {
  return [
    { name: 'perfect 0/1 prediction', yTrue: A.oneHot, yPred: A.oneHot },
    { name: 'inverted 0/1 prediction', yTrue: A.oneHot, yPred: () => tf.sub(1, A.oneHot()) },
    {
      name: 'all-background batch',
      yTrue: () => tf.zeros([2, 2, 2], 'int32'),
      yPred: () => tf.tensor4d([1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0], [2, 2, 2, 2]),
    },
    { name: 'empty binary target, prediction 0', yTrue: () => tf.zeros([1, 2, 2, 1]), yPred: () => tf.zeros([1, 2, 2, 1]) },
    { name: 'empty binary target, prediction 1', yTrue: () => tf.zeros([1, 2, 2, 1]), yPred: () => tf.ones([1, 2, 2, 1]) },
  ];
}

/**
 * Asserts every loss gives finite values and gradients on every {@link edgeCases} pair. With
 * `logits`, yPred is first mapped to logits of +-100 (`(p - 0.5) * 200`). `losses` may depend on
 * the case (e.g. sigmoid for one channel, softmax for several).
 */
export function expectFiniteAtEdges(
  losses: LossFunction[] | ((edge: EdgeCase) => LossFunction[]),
  { logits = false }: { logits?: boolean } = {},
): void {
  for (const c of edgeCases()) {
    const yTrue = c.yTrue();
    const yPred = logits ? tf.tidy(() => tf.mul(tf.sub(c.yPred(), 0.5), 200)) : c.yPred();
    const label = logits ? `${c.name} logits` : c.name;
    for (const loss of typeof losses === 'function' ? losses(c) : losses) {
      expectFinite(values(loss, yTrue, yPred), `${label} value`);
      expectFinite(gradient(loss, yTrue, yPred), `${label} gradient`);
    }
    tf.dispose([yTrue, yPred]);
  }
}
