import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';
import { layerNorm, linear } from './attentionMath.js';
import { scatterBlocks } from './windows.js';

/** Options of {@link patchExpanding}. */
export interface PatchExpandingArgs extends LayerBaseArgs {
  /** Up-sampling factor per axis. Default 2 (Swin-Unet's patch expanding; 4 for its final expand). */
  scale?: number;
  /** Output channels. Default `C / 2` for scale 2, `C` otherwise (Swin-Unet). */
  outputChannels?: number;
  /** Layer-norm epsilon. Default 1e-5. */
  epsilon?: number;
  /** Seed of the truncated-normal kernel initializer. */
  seed?: number;
}

/**
 * Swin-Unet patch expanding (Cao et al., "Swin-Unet", ECCV workshops 2022): a bias-free linear
 * map `C -> s^dims * C'`, rearranged so each position becomes an `s x s (x s)` block of `C'`
 * channels (pixel shuffle, `b h w (p1 p2 c) -> b (h p1) (w p2) c`), then layer norm over `C'`.
 * `[N, H, W, C]` -> `[N, sH, sW, C']` (and 3D). Weights `expand/kernel [C, s^dims C']`,
 * `norm/gamma`, `norm/beta [C']`: `C * s^dims * C' + 2 C'` parameters.
 *
 * @example
 * ```ts
 * const up = new PatchExpanding().apply(x); // [N, 7, 7, 768] -> [N, 14, 14, 384]
 * ```
 */
export class PatchExpanding extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'PatchExpanding';
  readonly scale: number;
  readonly outputChannels: number | undefined;
  readonly epsilon: number;
  readonly seed: number | undefined;
  private kernel: tfl.LayerVariable | null = null;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;

  constructor(args: PatchExpandingArgs = {}) {
    super(args);
    const own = PatchExpanding.className;
    this.scale = args.scale ?? 2;
    assertInteger(own, 'args.scale', this.scale, { min: 2 });
    if (args.outputChannels !== undefined) assertInteger(own, 'args.outputChannels', args.outputChannels, { min: 1 });
    this.outputChannels = args.outputChannels;
    this.epsilon = args.epsilon ?? 1e-5;
    assertNumber(own, 'args.epsilon', this.epsilon, { min: 0, minExclusive: true });
    if (args.seed !== undefined) assertInteger(own, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  private outChannels(channels: number): number {
    if (this.outputChannels !== undefined) return this.outputChannels;
    return this.scale === 2 ? channels / 2 : channels;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const own = PatchExpanding.className;
    const channels = shape[shape.length - 1];
    if ((shape.length !== 4 && shape.length !== 5) || channels === null || channels === undefined) {
      throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.`);
    }
    const out = this.outChannels(channels);
    if (!Number.isInteger(out)) {
      throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; the default output channels C / 2 needs an even C (or set args.outputChannels).`);
    }
    const expanded = this.scale ** (shape.length - 2) * out;
    this.kernel = this.addWeight('expand/kernel', [channels, expanded], 'float32', tfl.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed }));
    this.gamma = this.addWeight('norm/gamma', [out], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('norm/beta', [out], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const [n, ...spatial] = x.shape;
      const c = spatial.pop()!;
      const dims = spatial.length;
      const out = this.outChannels(c);
      const s = this.scale;
      const expanded = tf.reshape(linear(x, this.kernel!.read(), null), [n!, ...spatial, ...spatial.map(() => s), out]);
      // [N, H, W, p1, p2, C'] -> [N, H, p1, W, p2, C']
      const shuffled = scatterBlocks(expanded, dims);
      return layerNorm(shuffled, this.gamma!.read(), this.beta!.read(), this.epsilon);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const c = shape[shape.length - 1]!;
    return [shape[0]!, ...shape.slice(1, -1).map((d) => (d === null || d === undefined ? null : d * this.scale)), this.outChannels(c)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      scale: this.scale,
      ...(this.outputChannels === undefined ? {} : { outputChannels: this.outputChannels }),
      epsilon: this.epsilon,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(PatchExpanding);

/**
 * Creates a {@link PatchExpanding} layer.
 *
 * @example
 * ```ts
 * const finalExpand = patchExpanding({ scale: 4 }); // Swin-Unet's last x4 expand: [N, 56, 56, 96] -> [N, 224, 224, 96]
 * ```
 */
export function patchExpanding(args: PatchExpandingArgs = {}): PatchExpanding {
  return new PatchExpanding(args);
}
