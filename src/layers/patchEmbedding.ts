import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link patchEmbedding}. */
export interface PatchEmbeddingArgs extends LayerBaseArgs {
  /** Patch side (same on every axis); the convolution's kernel and stride. Required. */
  patchSize: number;
  /** Embedding size (output channels). Required. */
  embedDim: number;
  /** Return tokens `[N, T, embedDim]` instead of the grid `[N, h, w, (d,) embedDim]`. Default false. */
  flatten?: boolean;
  /** Seed of the Glorot-uniform kernel initializer. */
  seed?: number;
}

/**
 * Patch embedding (Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021; MONAI
 * `PatchEmbeddingBlock` (conv) / `PatchEmbed`): a convolution whose kernel and stride are both
 * the patch, so each non-overlapping `p x p (x p)` patch becomes one `embedDim` vector.
 * `[N, H, W, C]` -> `[N, H/p, W/p, E]` (2D), `[N, D, H, W, C]` -> `[N, D/p, H/p, W/p, E]` (3D), or
 * `[N, T, E]` tokens with `flatten`. Every spatial size must be a multiple of `p`.
 * Weights `kernel [p, p, (p,) C, E]`, `bias [E]`: `p^dims * C * E + E` parameters.
 *
 * @example
 * ```ts
 * const tokens = new PatchEmbedding({ patchSize: 16, embedDim: 768, flatten: true }).apply(x); // [N, 96, 96, 96, 1] -> [N, 216, 768]
 * ```
 */
export class PatchEmbedding extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'PatchEmbedding';
  readonly patchSize: number;
  readonly embedDim: number;
  readonly flatten: boolean;
  readonly seed: number | undefined;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: PatchEmbeddingArgs) {
    super(args);
    const own = PatchEmbedding.className;
    if (args === undefined || args === null || typeof args !== 'object') fail(own, 'args', args, 'an object with patchSize and embedDim');
    assertInteger(own, 'args.patchSize', args.patchSize, { min: 1 });
    assertInteger(own, 'args.embedDim', args.embedDim, { min: 1 });
    this.patchSize = args.patchSize;
    this.embedDim = args.embedDim;
    this.flatten = args.flatten ?? false;
    assertBoolean(own, 'args.flatten', this.flatten);
    if (args.seed !== undefined) assertInteger(own, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const own = PatchEmbedding.className;
    const channels = shape[shape.length - 1];
    if ((shape.length !== 4 && shape.length !== 5) || channels === null || channels === undefined) {
      throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.`);
    }
    shape.slice(1, -1).forEach((d) => {
      if (d !== null && d !== undefined && d % this.patchSize !== 0) {
        throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; every spatial size must be a multiple of args.patchSize ${this.patchSize}.`);
      }
    });
    const kernelShape = [...shape.slice(1, -1).map(() => this.patchSize), channels, this.embedDim];
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', tfl.initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight('bias', [this.embedDim], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const p = this.patchSize;
      const conv =
        x.rank === 4
          ? tf.conv2d(x as tf.Tensor4D, this.kernel!.read() as tf.Tensor4D, p, 'valid')
          : tf.conv3d(x as tf.Tensor5D, this.kernel!.read() as tf.Tensor5D, p, 'valid');
      const y = tf.add(conv, this.bias!.read());
      return this.flatten ? tf.reshape(y, [x.shape[0]!, -1, this.embedDim]) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const grid = shape.slice(1, -1).map((d) => (d === null || d === undefined ? null : d / this.patchSize));
    if (!this.flatten) return [shape[0]!, ...grid, this.embedDim];
    const tokens = grid.some((d) => d === null) ? null : (grid as number[]).reduce((a, b) => a * b, 1);
    return [shape[0]!, tokens, this.embedDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), patchSize: this.patchSize, embedDim: this.embedDim, flatten: this.flatten, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(PatchEmbedding);

/**
 * Creates a {@link PatchEmbedding} layer.
 *
 * @example
 * ```ts
 * const embed = patchEmbedding({ patchSize: 2, embedDim: 48 }); // SwinUNETR: [N, 96, 96, 96, 1] -> [N, 48, 48, 48, 48]
 * ```
 */
export function patchEmbedding(args: PatchEmbeddingArgs): PatchEmbedding {
  return new PatchEmbedding(args);
}
