import type * as tf from '@tensorflow/tfjs-core';
import { fail } from '../core/assert.js';

interface OptimizerLike {
  learningRate?: unknown;
  setLearningRate?: (lr: number) => void;
}

/**
 * The current learning rate of a tfjs optimizer (every built-in one keeps it in a
 * `learningRate` field).
 *
 * @example `getLearningRate(tf.train.adam(1e-3))` is 0.001.
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as OptimizerLike | undefined)?.learningRate;
  if (typeof lr !== 'number') fail('getLearningRate', 'optimizer', optimizer, 'a tfjs optimizer with a numeric learningRate (sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta)');
  return lr;
}

/**
 * Sets the learning rate of a tfjs optimizer so that the next update uses it. SGD and Momentum
 * cache `-learningRate` in a tensor, so their `setLearningRate` is called; Adam, AdaMax,
 * RMSProp, Adagrad and Adadelta read their `learningRate` field at every step, so it is set
 * directly (checked by a test that trains with a rate of 0 mid-training).
 *
 * @example `setLearningRate(model.optimizer, 1e-4);`
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as OptimizerLike | undefined;
  if (o === undefined || o === null || typeof o !== 'object' || typeof o.learningRate !== 'number') {
    fail('setLearningRate', 'optimizer', optimizer, 'a tfjs optimizer with a numeric learningRate: compile the model with tf.train.sgd/momentum/adam/...');
  }
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate < 0) {
    fail('setLearningRate', 'learningRate', learningRate, 'a finite number >= 0');
  }
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
