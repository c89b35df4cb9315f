// Dice of a whole predicted set of voxels against the truth, with unet-kit's metrics.
import * as tf from '@tensorflow/tfjs-core';
import { diceCoefficient } from 'unet-kit/metrics';

const softDice = diceCoefficient();

/**
 * Dice of `probs > 0.5` against the 0/1 `truth` over all voxels (one sample), as a number.
 * `diceCoefficient` on the thresholded prediction is the hard Dice, and it is tensor math only:
 * `confusionStats` checks its labels with a synchronous read, and on WebGPU in Chromium (SwiftShader)
 * tfjs' synchronous read path lost the device for good ("mapAsync: A valid external Instance
 * reference no longer exists"). The threshold is `step(p - 0.5)`, float32 from the start: tfjs'
 * WebGPU cast of a bool tensor to float32 only relabels its int buffer, and a later transpose
 * (a sum over a non-innermost axis) then fails to compile ("type mismatch ... expected 'f32', got 'i32'").
 */
export async function overallDice(probs: tf.Tensor, truth: tf.Tensor): Promise<number> {
  const score = tf.tidy(() => softDice(tf.reshape(tf.cast(truth, 'float32'), [1, -1, 1]), tf.reshape(tf.step(tf.sub(probs, 0.5)), [1, -1, 1])));
  const [value] = await score.data();
  score.dispose();
  return value!;
}
