// Dice of a whole predicted set of voxels against the truth, with unet-kit's metrics.
import * as tf from '@tensorflow/tfjs-core';
import { confusionStats, dice } from 'unet-kit/metrics';

/**
 * Hard Dice of `probs >= 0.5` against the 0/1 `truth` over all voxels (one sample), as a number:
 * `confusionStats` then `dice`. On webgl and webgpu `confusionStats` skips its synchronous label
 * check (`checkValues: 'auto'`), so nothing here blocks the GPU; the one read is `await data()`.
 */
export async function overallDice(probs: tf.Tensor, truth: tf.Tensor): Promise<number> {
  const score = tf.tidy(() => {
    const stats = confusionStats(tf.reshape(probs, [1, -1, 1]), tf.reshape(truth, [1, -1, 1]));
    return dice(stats);
  });
  const [value] = await score.data();
  score.dispose();
  return value!;
}
