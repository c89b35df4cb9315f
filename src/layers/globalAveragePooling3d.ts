import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertRank } from '../core/assert.js';
import { assertChannelsLast, type ChannelsLastLayerArgs } from './args.js';

/** Options of {@link globalAveragePooling3d}. */
export type GlobalAveragePooling3DArgs = ChannelsLastLayerArgs;

/**
 * Mean over the three spatial axes of a channels-last volume: `[N, D, H, W, C] -> [N, C]`.
 * tfjs 4.22 has only the 1D and 2D versions; saved under Keras' class name `GlobalAveragePooling3D`.
 *
 * @example
 * ```ts
 * const pooled = new GlobalAveragePooling3D().apply(tfl.input({ shape: [8, 8, 8, 16] })); // [null, 16]
 * ```
 */
export class GlobalAveragePooling3D extends tfl.layers.Layer {
  /** Keras class name, used by save/load. */
  static className = 'GlobalAveragePooling3D';

  constructor(args: GlobalAveragePooling3DArgs = {}) {
    super(args);
    assertChannelsLast('GlobalAveragePooling3D', args.dataFormat);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    assertRank('GlobalAveragePooling3D', 'input', { shape }, [5], '[N, D, H, W, C], channels last');
    return [shape[0] ?? null, shape[4] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      assertRank('GlobalAveragePooling3D', 'input', { shape: x.shape }, [5], '[N, D, H, W, C], channels last');
      return tf.mean(x, [1, 2, 3]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}
tf.serialization.registerClass(GlobalAveragePooling3D);

/**
 * Creates a {@link GlobalAveragePooling3D} layer.
 *
 * @example `globalAveragePooling3d().apply(x)` maps `[N, 4, 4, 4, 16]` to `[N, 16]`.
 */
export function globalAveragePooling3d(args: GlobalAveragePooling3DArgs = {}): GlobalAveragePooling3D {
  return new GlobalAveragePooling3D(args);
}
