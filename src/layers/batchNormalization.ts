import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link batchNormalization}: those of `tf.layers.batchNormalization`. */
export type BatchNormalizationArgs = Parameters<typeof tfl.layers.batchNormalization>[0];

/**
 * Batch normalization over the channel (last) axis, for 2D and 3D feature maps.
 * The library's one entry point for batch norm so the rank-5 path (tfjs' layer rejects rank 5)
 * lives in one place: see the kernels issue.
 */
export function batchNormalization(args: BatchNormalizationArgs = {}): tfl.layers.Layer {
  return tfl.layers.batchNormalization({ axis: -1, ...args });
}
