import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';
import { layerNorm, linear } from './attentionMath.js';
import { gatherBlocks, padSpatialEnd } from './windows.js';

/** Options of {@link patchMerging}. */
export interface PatchMergingArgs extends LayerBaseArgs {
  /** Layer-norm epsilon. Default 1e-5 (PyTorch `nn.LayerNorm`, MONAI). */
  epsilon?: number;
  /** Seed of the truncated-normal kernel initializer. */
  seed?: number;
}

/**
 * Swin patch merging (Liu et al. 2021; MONAI `PatchMergingV2`, SwinUNETR's default
 * `downsample="merging"`): halves every spatial axis by concatenating each `2 x 2 (x 2)`
 * neighbourhood into `2^dims * C` channels, in MONAI's order (`itertools.product` of the offsets,
 * the last axis fastest), then layer norm and a bias-free linear map to `2C`. Odd sizes are
 * zero-padded at the end first. `[N, H, W, C]` -> `[N, ceil(H/2), ceil(W/2), 2C]` (and 3D).
 * Weights `norm/gamma`, `norm/beta [2^dims C]`, `reduction/kernel [2^dims C, 2C]`:
 * `2^dims C * 2C + 2 * 2^dims C` parameters.
 *
 * @example
 * ```ts
 * const y = new PatchMerging().apply(x); // [N, 48, 48, 48, 48] -> [N, 24, 24, 24, 96]
 * ```
 */
export class PatchMerging extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'PatchMerging';
  readonly epsilon: number;
  readonly seed: number | undefined;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;
  private kernel: tfl.LayerVariable | null = null;

  constructor(args: PatchMergingArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    assertNumber(PatchMerging.className, 'args.epsilon', this.epsilon, { min: 0, minExclusive: true });
    if (args.seed !== undefined) assertInteger(PatchMerging.className, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if ((shape.length !== 4 && shape.length !== 5) || channels === null || channels === undefined) {
      throw new UnetKitError(PatchMerging.className, 'input shape', `is ${formatValue(shape)}; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.`);
    }
    const merged = 2 ** (shape.length - 2) * channels;
    this.gamma = this.addWeight('norm/gamma', [merged], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('norm/beta', [merged], 'float32', tfl.initializers.zeros());
    this.kernel = this.addWeight('reduction/kernel', [merged, 2 * channels], 'float32', tfl.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const [n, ...rest] = x.shape;
      const c = rest.pop()!;
      const dims = rest.length;
      const padded = rest.map((d) => d + (d % 2));
      const even = padSpatialEnd(x, rest.map((d) => d % 2));
      // [N, H, W, C] -> [N, H/2, W/2, 2, 2, C]: the offsets in product order, then C.
      const merged = tf.reshape(gatherBlocks(even, padded.map(() => 2)), [n!, ...padded.map((d) => d / 2), 2 ** dims * c]);
      return linear(layerNorm(merged, this.gamma!.read(), this.beta!.read(), this.epsilon), this.kernel!.read(), null);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const c = shape[shape.length - 1]!;
    return [shape[0]!, ...shape.slice(1, -1).map((d) => (d === null || d === undefined ? null : Math.ceil(d / 2))), 2 * c];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(PatchMerging);

/**
 * Creates a {@link PatchMerging} layer.
 *
 * @example
 * ```ts
 * const down = patchMerging(); // [N, 8, 8, 12] -> [N, 4, 4, 24]
 * ```
 */
export function patchMerging(args: PatchMergingArgs = {}): PatchMerging {
  return new PatchMerging(args);
}
