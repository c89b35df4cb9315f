import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from './batchNormalization.js';
import { groupNormalization } from './groupNormalization.js';
import { instanceNormalization } from './instanceNormalization.js';
import { layerNormalization } from './layerNormalization.js';
import type { ResolvedActivation, ResolvedNorm } from './normActOptions.js';
import { assertInteger, assertSpatialDims } from '../core/assert.js';
import type { Layer, SpatialDims } from './spatial.js';

/**
 * The normalization layer for a {@link ResolvedNorm}, or `null` for `'none'`.
 * `channels` is needed to clamp the group count of group norm to a divisor of it
 * (the largest divisor not above the requested `groups`), so `{ type: 'group', groups: 8 }`
 * works on every level of a U-Net whose first level has fewer channels.
 *
 * @example `createNorm({ type: 'instance', momentum: 0.99, epsilon: 1e-5, affine: true, groups: 8 }, 16, 'enc1_norm1')`, the spec that resolveNorm('instance', 'unet') gives
 */
export function createNorm(norm: ResolvedNorm, channels: number, name?: string): Layer | null {
  // The group clamp below needs a positive channel count (0 would loop to a negative group count).
  assertInteger('createNorm', 'channels', channels, { min: 1 });
  switch (norm.type) {
    case 'none':
      return null;
    case 'batch':
      return batchNormalization({ axis: -1, momentum: norm.momentum, epsilon: norm.epsilon, name });
    case 'instance':
      return instanceNormalization({ epsilon: norm.epsilon, affine: norm.affine, name });
    case 'group': {
      let groups = Math.min(norm.groups, channels);
      while (channels % groups !== 0) groups--;
      return groupNormalization({ groups, epsilon: norm.epsilon, center: norm.affine, scale: norm.affine, name });
    }
    case 'layer':
      return layerNormalization({ axis: -1, epsilon: norm.epsilon, name });
  }
}

/**
 * The activation layer for a {@link ResolvedActivation}, or `null` for `'none'`.
 * Uses stock Keras layers (`ReLU`, `LeakyReLU`, `ELU`, `PReLU`, `Activation`) so saved
 * topologies stay readable by Keras.
 *
 * `spatialDims` matters only for `prelu`: the learned slope is one per channel, shared over the
 * spatial axes (`sharedAxes` 1..spatialDims, like a per-channel PyTorch `PReLU(C)`). Keras'
 * default of one slope per position and channel would tie the layer to one input size, fail on
 * `null` spatial sizes and learn a slope per pixel, so it is required.
 *
 * @example `createActivation({ type: 'leakyRelu', alpha: 0.01 }, 2, 'enc1_act1')` (slope 0.01)
 */
export function createActivation(activation: ResolvedActivation, spatialDims: SpatialDims, name?: string): Layer | null {
  assertSpatialDims('createActivation', spatialDims);
  switch (activation.type) {
    case 'none':
      return null;
    case 'relu':
      return tfl.layers.reLU({ name });
    case 'leakyRelu':
      return tfl.layers.leakyReLU({ alpha: activation.alpha, name });
    case 'elu':
      return tfl.layers.elu({ alpha: activation.alpha, name });
    case 'prelu':
      return tfl.layers.prelu({
        alphaInitializer: tfl.initializers.constant({ value: 0.25 }),
        sharedAxes: Array.from({ length: spatialDims }, (_, i) => i + 1),
        name,
      });
    case 'softmax':
      // tfjs' Softmax layer defaults to axis 1; channels are last.
      return tfl.layers.softmax({ axis: -1, name });
    case 'gelu':
    case 'swish':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
      return tfl.layers.activation({ activation: activation.type, name });
  }
}
