import * as tf from '@tensorflow/tfjs-core';
import { activate, dropBackground } from './common.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossActivation } from './types.js';

/** Options shared by the overlap losses when bringing inputs to `[N, V, C']`. */
export interface OverlapInputOptions {
  activation: LossActivation;
  includeBackground: boolean;
  ignoreIndex: number | undefined;
  checkLabels: LabelCheck | undefined;
}

/** Activated prediction and target, masked and without background where asked: `[N, V, C']`. */
export interface OverlapInputs {
  p: tf.Tensor3D;
  g: tf.Tensor3D;
  /** C, the number of prediction channels before dropping the background. */
  numClasses: number;
}

/**
 * The common front of Dice, Jaccard, Tversky and generalized Dice, in MONAI's order: activation
 * on the whole prediction, then the ignore mask (as in SMP: both prediction and target are
 * zeroed where the label is `ignoreIndex`, so those voxels add to no sum), then dropping
 * channel 0. Call inside `tf.tidy`.
 */
export function overlapInputs(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor, options: OverlapInputOptions): OverlapInputs {
  const pair = preparePair(fn, yTrue, yPred, { ignoreIndex: options.ignoreIndex, checkLabels: options.checkLabels });
  let p = activate(fn, pair.pred, options.activation);
  let g = pair.target;
  if (pair.mask !== null) {
    p = tf.mul(p, pair.mask);
    g = tf.mul(g, pair.mask);
  }
  [p, g] = dropBackground(fn, options.includeBackground, p, g) as [tf.Tensor3D, tf.Tensor3D];
  return { p, g, numClasses: pair.numClasses };
}

/** Axes to sum for per-sample-and-class values (`[N, C']`) or, with `batch`, per class (`[C']`). */
export function overlapAxes(batch: boolean): number[] {
  return batch ? [0, 1] : [1];
}
