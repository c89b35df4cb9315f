import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean } from '../core/assert.js';
import type { LayerBaseArgs } from './args.js';
import { GroupNormalization } from './groupNormalization.js';

/** Options of {@link instanceNormalization}. */
export interface InstanceNormalizationArgs extends LayerBaseArgs {
  /** Small constant added to the variance. Default 1e-5 (PyTorch's InstanceNorm, nnU-Net). */
  epsilon?: number;
  /** Learn a per-channel scale and offset (PyTorch's `affine`). Default true. */
  affine?: boolean;
}

/**
 * Normalizes each sample and channel over its spatial positions (Ulyanov et al., "Instance
 * Normalization", 2016): group normalization with one group per channel. The norm nnU-Net uses.
 * Any rank, channels last. Saved under the class name `InstanceNormalization` (TensorFlow
 * Addons / keras-contrib) with keys `axis`, `epsilon`, `center`, `scale`.
 *
 * @example
 * ```ts
 * const y = new InstanceNormalization({ affine: false }).apply(x);
 * ```
 */
export class InstanceNormalization extends GroupNormalization {
  /** Keras class name, used by save/load. */
  static override className = 'InstanceNormalization';

  // `center`/`scale` are the saved config's keys (a loaded model passes them); `affine` is the
  // PyTorch-style shorthand for both. A `groups` key from a TF Addons config is overridden (-1).
  constructor(args: InstanceNormalizationArgs & { center?: boolean; scale?: boolean; axis?: number; groups?: number } = {}) {
    const { affine, groups: _groups, ...rest } = args;
    if (affine !== undefined) assertBoolean('InstanceNormalization', 'args.affine', affine);
    super({ ...rest, groups: -1, center: args.center ?? affine ?? true, scale: args.scale ?? affine ?? true });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { groups: _groups, ...config } = super.getConfig();
    return config;
  }
}
tf.serialization.registerClass(InstanceNormalization);

/**
 * Creates an {@link InstanceNormalization} layer.
 *
 * @example
 * ```ts
 * const norm = instanceNormalization({ epsilon: 1e-5, affine: true });
 * ```
 */
export function instanceNormalization(args: InstanceNormalizationArgs = {}): InstanceNormalization {
  return new InstanceNormalization(args);
}
