import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link modalityAttention}. */
export interface ModalityAttentionArgs extends LayerBaseArgs {
  /** Number of modalities M: the input's channels are M groups of F, modality-major. */
  modalities: number;
  /** Reduction of the squeeze-excite bottleneck: `H = max(1, floor(M * F / ratio))` units. Default 4. */
  ratio?: number;
  /** Seed of the first dense kernel's Glorot-uniform initializer. */
  seed?: number;
}

/**
 * Fuses M modalities' features by a learned, per-sample, per-channel softmax over the
 * modalities, gated squeeze-excite style (Hu et al. 2018, SE; across modalities as in the
 * attention fusion reviewed by Zhou et al. 2019, "A review: Deep learning for medical image
 * segmentation using multi-modality fusion"): with `f_k` the features of modality k (`F`
 * channels) and `s = [GAP(f_1), ..., GAP(f_M)]` (`[N, M * F]`),
 * `a = softmax_k(W2 relu(W1 s + b1) + b2)` reshaped `[N, M, F]`, and the output is
 * `sum_k a_k * f_k`, `[N, ..., F]`. `W2` and `b2` start at zero, so an untrained layer averages
 * the modalities. An optional second input, the weights `[N, M]` of {@link ModalityMask},
 * excludes modalities whose weight is 0 from the softmax (dropped or missing ones).
 * Parameters: `2 * M * F * H + H + M * F`.
 *
 * @example
 * ```ts
 * const fused = modalityAttention({ modalities: 4 }).apply(features); // features [N, H, W, 4 * 16] -> [N, H, W, 16]
 * ```
 */
export class ModalityAttention extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'ModalityAttention';
  readonly modalities: number;
  readonly ratio: number;
  readonly seed: number | undefined;
  private kernel1: tfl.LayerVariable | null = null;
  private bias1: tfl.LayerVariable | null = null;
  private kernel2: tfl.LayerVariable | null = null;
  private bias2: tfl.LayerVariable | null = null;

  constructor(args: ModalityAttentionArgs) {
    super(args);
    const fn = ModalityAttention.className;
    assertInteger(fn, 'args.modalities', args.modalities, { min: 1 });
    const ratio = args.ratio ?? 4;
    assertInteger(fn, 'args.ratio', ratio, { min: 1 });
    if (args.seed !== undefined) assertInteger(fn, 'args.seed', args.seed, { min: 0 });
    this.modalities = args.modalities;
    this.ratio = ratio;
    this.seed = args.seed;
  }

  /** The features' shape, checked; `[N, ..., M * F]`. */
  private featureShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const withMask = Array.isArray(inputShape[0]);
    const x = (withMask ? inputShape[0] : inputShape) as tfl.Shape;
    const w = withMask ? (inputShape as tfl.Shape[])[1] : undefined;
    const channels = x[x.length - 1];
    const badMask = withMask && (w === undefined || w.length !== 2 || w[1] !== this.modalities || (inputShape as tfl.Shape[]).length !== 2);
    if (x.length < 3 || typeof channels !== 'number' || channels % this.modalities !== 0 || badMask) {
      throw new UnetKitError(
        ModalityAttention.className,
        'input shape',
        `is ${formatValue(inputShape)}; expected features [N, ..., C] with C divisible by modalities ${this.modalities}, optionally with weights [N, ${this.modalities}].`,
      );
    }
    return x;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const x = this.featureShape(inputShape);
    const channels = x[x.length - 1]!;
    const hidden = Math.max(1, Math.floor(channels / this.ratio));
    this.kernel1 = this.addWeight('kernel1', [channels, hidden], 'float32', tfl.initializers.glorotUniform({ seed: this.seed }));
    this.bias1 = this.addWeight('bias1', [hidden], 'float32', tfl.initializers.zeros());
    this.kernel2 = this.addWeight('kernel2', [hidden, channels], 'float32', tfl.initializers.zeros());
    this.bias2 = this.addWeight('bias2', [channels], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const x = this.featureShape(inputShape);
    return [...x.slice(0, -1), x[x.length - 1]! / this.modalities];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0]!;
      const n = x.shape[0]!;
      const m = this.modalities;
      const f = x.shape[x.rank - 1]! / m;
      const spatial = x.shape.slice(1, -1);
      const squeezed = tf.mean(tf.reshape(x, [n, -1, m * f]), 1);
      const hidden = tf.relu(tf.add(tf.matMul(squeezed, this.kernel1!.read()), this.bias1!.read()));
      let logits = tf.reshape(tf.add(tf.matMul(hidden, this.kernel2!.read()), this.bias2!.read()), [n, m, f]);
      if (list.length > 1) {
        const keep = tf.greater(tf.reshape(list[1]!, [n, m, 1]), 0);
        // A large negative logit, not -Infinity: a sample with every weight 0 still gets a finite softmax.
        logits = tf.where(tf.broadcastTo(keep, [n, m, f]), logits, tf.fill([n, m, f], -1e9));
      }
      const attention = tf.reshape(tf.softmax(tf.transpose(logits, [0, 2, 1])), [n, 1, f, m]);
      const groups = tf.transpose(tf.reshape(x, [n, -1, m, f]), [0, 1, 3, 2]);
      return tf.reshape(tf.sum(tf.mul(groups, attention), 3), [n, ...spatial, f]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modalities: this.modalities, ratio: this.ratio, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(ModalityAttention);

/**
 * Creates a {@link ModalityAttention} layer.
 *
 * @example
 * ```ts
 * const fused = modalityAttention({ modalities: 2, name: 'enc0_fuse_att' }).apply([concatenated, weights]);
 * ```
 */
export function modalityAttention(args: ModalityAttentionArgs): ModalityAttention {
  return new ModalityAttention(args);
}
