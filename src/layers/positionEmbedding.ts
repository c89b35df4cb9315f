import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link learnedPositionEmbedding}. */
export interface LearnedPositionEmbeddingArgs extends LayerBaseArgs {
  /** Seed of the truncated-normal initializer. */
  seed?: number;
}

/**
 * Adds a learned position embedding, one vector per position (Dosovitskiy et al. 2021, ViT;
 * MONAI `PatchEmbeddingBlock` `pos_embed="learnable"`): `y = x + E`, `E` shaped like one sample
 * (`[T, C]` for tokens, `[H, W, C]` / `[D, H, W, C]` for grids), initialised from a truncated
 * normal with stddev 0.02 (ViT, MONAI). Needs a fully known input shape. Unlike keras_hub's
 * `PositionEmbedding`, which returns `E` alone, it adds `E` to its input.
 * Parameters: `T * C` (`prod(spatial) * C`).
 *
 * @example
 * ```ts
 * const y = new LearnedPositionEmbedding().apply(tokens); // [N, 216, 768] + E [216, 768]
 * ```
 */
export class LearnedPositionEmbedding extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'LearnedPositionEmbedding';
  readonly seed: number | undefined;
  private embeddings: tfl.LayerVariable | null = null;

  constructor(args: LearnedPositionEmbeddingArgs = {}) {
    super(args);
    if (args.seed !== undefined) assertInteger(LearnedPositionEmbedding.className, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const sample = shape.slice(1);
    if (shape.length < 3 || sample.some((d) => d === null || d === undefined)) {
      throw new UnetKitError(LearnedPositionEmbedding.className, 'input shape', `is ${formatValue(shape)}; expected rank 3 or more with every axis but the batch known.`);
    }
    const init = tfl.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed });
    this.embeddings = this.addWeight('embeddings', sample as number[], 'float32', init);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor, this.embeddings!.read()));
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(LearnedPositionEmbedding);

/**
 * Creates a {@link LearnedPositionEmbedding} layer.
 *
 * @example
 * ```ts
 * const withPositions = learnedPositionEmbedding().apply(tokens);
 * ```
 */
export function learnedPositionEmbedding(args: LearnedPositionEmbeddingArgs = {}): LearnedPositionEmbedding {
  return new LearnedPositionEmbedding(args);
}
