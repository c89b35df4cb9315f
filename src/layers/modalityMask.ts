import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link modalityMask}. */
export interface ModalityMaskArgs extends LayerBaseArgs {
  /** Number of modalities M; the input's channels are M equal groups, modality-major. */
  modalities: number;
  /** Probability of dropping each modality of each sample in training. Default 0. */
  rate?: number;
  /** Seed of the drops: a seeded layer draws a different, repeatable set at every call. */
  seed?: number;
}

/**
 * The per-sample modality weights of modality dropout (Havaei et al. 2016, HeMIS; "ModDrop",
 * Neverova et al. 2016): maps a stacked input `[N, ..., M * c]` to weights `[N, M]`,
 * `w_k = M * m_k / sum_j m_j`, where `m_k` is 1 when modality k is kept and 0 when it is dropped.
 * A modality whose channels are all zero in a sample counts as missing (dropped) in training and
 * at inference alike, so feeding zeros for an absent sequence is how a user says "missing"; in
 * training each present modality is also dropped with probability `rate`, keeping at least one
 * present modality per sample. The rescaling by `M / kept` keeps the expected sum of the
 * weighted features, as inverted dropout does. A sample with every modality zero gets all ones.
 * The weights are multiplied into features by {@link ModalityScale} or used as a mask by
 * {@link ModalityAttention}. No weights of its own; no gradient flows through it.
 *
 * @example
 * ```ts
 * const w = modalityMask({ modalities: 4, rate: 0.25 }).apply(input); // [N, 4]
 * ```
 */
export class ModalityMask extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'ModalityMask';
  readonly modalities: number;
  readonly rate: number;
  readonly seed: number | undefined;
  private calls = 0;

  constructor(args: ModalityMaskArgs) {
    super(args);
    const fn = ModalityMask.className;
    assertInteger(fn, 'args.modalities', args.modalities, { min: 1 });
    const rate = args.rate ?? 0;
    // Rate 1 would drop every modality of every sample.
    assertNumber(fn, 'args.rate', rate, { min: 0, max: 1, maxExclusive: true });
    if (args.seed !== undefined) assertInteger(fn, 'args.seed', args.seed, { min: 0 });
    this.modalities = args.modalities;
    this.rate = rate;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 3 || typeof channels !== 'number' || channels % this.modalities !== 0) {
      throw new UnetKitError(
        ModalityMask.className,
        'input shape',
        `is ${formatValue(shape)}; expected [N, ..., C] with a known channel count divisible by modalities ${this.modalities}.`,
      );
    }
    return [shape[0]!, this.modalities];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const training = kwargs['training'] === true;
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const n = x.shape[0]!;
      const m = this.modalities;
      const groups = tf.reshape(x, [n, -1, m, x.shape[x.rank - 1]! / m]);
      const present = tf.cast(tf.greater(tf.max(tf.abs(groups), [1, 3]), 0), 'float32');
      let kept = present;
      if (training && this.rate > 0) {
        const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
        const drawn = tf.mul(present, tf.cast(tf.greaterEqual(tf.randomUniform([n, m], 0, 1, 'float32', seed), this.rate), 'float32'));
        // Never drop every present modality of a sample: fall back to all of them.
        kept = tf.where(tf.greater(tf.sum(drawn, 1, true), 0), drawn, present);
      }
      const count = tf.sum(kept, 1, true);
      kept = tf.where(tf.greater(count, 0), kept, tf.onesLike(kept));
      return tf.div(tf.mul(kept, m), tf.sum(kept, 1, true));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modalities: this.modalities, rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(ModalityMask);

/**
 * Creates a {@link ModalityMask} layer.
 *
 * @example
 * ```ts
 * const weights = modalityMask({ modalities: 2, rate: 0.5, name: 'modality_mask' }).apply(x); // x: CT and MRI stacked as channels
 * ```
 */
export function modalityMask(args: ModalityMaskArgs): ModalityMask {
  return new ModalityMask(args);
}
