// Dice of a whole predicted set of voxels against the truth, with unet-kit's metrics.
import * as tf from '@tensorflow/tfjs-core';
import { diceCoefficient } from 'unet-kit/metrics';

const softDice = diceCoefficient();

/**
 * Dice of `probs >= 0.5` against the 0/1 `truth` over all voxels (one sample), as a number.
 * `diceCoefficient` on the thresholded prediction is the hard Dice, and it is tensor math only:
 * `confusionStats` checks its labels with a synchronous read, and on WebGPU in Chromium (SwiftShader)
 * tfjs' synchronous read path lost the device for good ("mapAsync: A valid external Instance
 * reference no longer exists").
 */
export async function overallDice(probs: tf.Tensor, truth: tf.Tensor): Promise<number> {
  const score = tf.tidy(() => softDice(tf.reshape(truth, [1, -1, 1]), tf.cast(tf.greaterEqual(tf.reshape(probs, [1, -1, 1]), 0.5), 'float32')));
  const [value] = await score.data();
  score.dispose();
  return value!;
}
