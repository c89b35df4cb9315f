import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link channelSlice}. */
export interface ChannelSliceArgs extends LayerBaseArgs {
  /** First channel kept (0-based). */
  start: number;
  /** Number of channels kept. */
  size: number;
}

/**
 * Keeps channels `start .. start + size - 1` of a channels-last tensor of any rank: what Keras
 * writes as `Lambda(lambda x: x[..., start:start + size])`, which tfjs cannot load. It splits a
 * stacked multi-modal input into one input per modality encoder (`fusionUNet`). No weights.
 *
 * @example
 * ```ts
 * const t2 = channelSlice({ start: 1, size: 1 }).apply(input); // [N, H, W, 4] -> [N, H, W, 1]
 * ```
 */
export class ChannelSlice extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'ChannelSlice';
  readonly start: number;
  readonly size: number;

  constructor(args: ChannelSliceArgs) {
    super(args);
    assertInteger(ChannelSlice.className, 'args.start', args.start, { min: 0 });
    assertInteger(ChannelSlice.className, 'args.size', args.size, { min: 1 });
    this.start = args.start;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || typeof channels !== 'number' || this.start + this.size > channels) {
      throw new UnetKitError(
        ChannelSlice.className,
        'input shape',
        `is ${formatValue(shape)}; channels ${this.start}..${this.start + this.size - 1} need a known channel count of at least ${this.start + this.size}.`,
      );
    }
    return [...shape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.start : 0));
      const size = x.shape.map((d, i) => (i === x.rank - 1 ? this.size : d));
      return tf.slice(x, begin, size);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}
tf.serialization.registerClass(ChannelSlice);

/**
 * Creates a {@link ChannelSlice} layer.
 *
 * @example
 * ```ts
 * const flair = channelSlice({ start: 0, size: 1, name: 'modality0_slice' }).apply(input);
 * ```
 */
export function channelSlice(args: ChannelSliceArgs): ChannelSlice {
  return new ChannelSlice(args);
}
