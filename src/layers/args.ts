import type * as tf from '@tensorflow/tfjs-core';
import { fail } from '../core/assert.js';

/** The Keras layer arguments every unet-kit layer accepts and passes on to `tf.layers.Layer`. */
export interface LayerBaseArgs {
  /** Layer name (unique within a model). Default: the class name and a counter. */
  name?: string;
  /** Whether the layer's weights are updated in training. Default true. */
  trainable?: boolean;
  /** Input shape without the batch axis, for a layer that starts a `tf.sequential` model. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis, as `inputShape`. */
  batchInputShape?: (number | null)[];
  /** Data type of the weights and output. Default `'float32'`. */
  dtype?: tf.DataType;
}

/** {@link LayerBaseArgs} plus Keras' `dataFormat`, of which only channels-last is supported. */
export interface ChannelsLastLayerArgs extends LayerBaseArgs {
  /** Only `'channelsLast'` (the default), accepted so Keras configs load. */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

/** Rejects a `dataFormat` other than `'channelsLast'` for layer `className`. */
export function assertChannelsLast(className: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    fail(className, 'args.dataFormat', dataFormat, "'channelsLast' (unet-kit is channels-last throughout)");
  }
}
