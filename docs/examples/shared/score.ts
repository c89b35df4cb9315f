// Dice of a whole predicted set of voxels against the truth, with unet-kit's metrics.
import * as tf from '@tensorflow/tfjs-core';
import { diceCoefficient } from 'unet-kit/metrics';

const softDice = diceCoefficient();

/**
 * Dice of `probs > 0.5` against the 0/1 `truth` over all voxels (one sample), as a number:
 * `diceCoefficient` on the thresholded prediction is the hard Dice, in float32 tensor math, with
 * one asynchronous read.
 */
export async function overallDice(probs: tf.Tensor, truth: tf.Tensor): Promise<number> {
  const score = tf.tidy(() => softDice(tf.reshape(tf.cast(truth, 'float32'), [1, -1, 1]), tf.reshape(tf.cast(tf.greater(probs, 0.5), 'float32'), [1, -1, 1])));
  const [value] = await score.data();
  score.dispose();
  return value!;
}
