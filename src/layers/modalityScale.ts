import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link modalityScale}. */
export interface ModalityScaleArgs extends LayerBaseArgs {
  /** Number of modalities M: the features' channels are M equal groups, modality-major. */
  modalities: number;
}

/**
 * Multiplies each modality's channel group by its per-sample weight: inputs
 * `[x [N, ..., M * c], w [N, M]]`, output `x` with group k times `w[:, k]`. With the weights of
 * {@link ModalityMask} this zeros dropped or missing modalities and rescales the others
 * (modality dropout), on the stacked input (early fusion) or on concatenated per-modality
 * features (late fusion). No weights.
 *
 * @example
 * ```ts
 * const y = modalityScale({ modalities: 4 }).apply([features, weights]);
 * ```
 */
export class ModalityScale extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'ModalityScale';
  readonly modalities: number;

  constructor(args: ModalityScaleArgs) {
    super(args);
    assertInteger(ModalityScale.className, 'args.modalities', args.modalities, { min: 1 });
    this.modalities = args.modalities;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    const x = Array.isArray(shapes[0]) ? shapes[0] : undefined;
    const w = Array.isArray(shapes[1]) ? shapes[1] : undefined;
    const channels = x?.[x.length - 1];
    if (x === undefined || w === undefined || x.length < 3 || typeof channels !== 'number' || channels % this.modalities !== 0 || w.length !== 2 || w[1] !== this.modalities) {
      throw new UnetKitError(
        ModalityScale.className,
        'input shapes',
        `are ${formatValue(inputShape)}; expected [features [N, ..., C] with C divisible by ${this.modalities}, weights [N, ${this.modalities}]].`,
      );
    }
    return x;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, w] = inputs as tf.Tensor[];
      const n = x!.shape[0]!;
      const m = this.modalities;
      const groups = tf.reshape(x!, [n, -1, m, x!.shape[x!.rank - 1]! / m]);
      return tf.reshape(tf.mul(groups, tf.reshape(w!, [n, 1, m, 1])), x!.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modalities: this.modalities };
  }
}
tf.serialization.registerClass(ModalityScale);

/**
 * Creates a {@link ModalityScale} layer.
 *
 * @example
 * ```ts
 * const dropped = modalityScale({ modalities: 2, name: 'enc0_fuse_drop' }).apply([concat, weights]);
 * ```
 */
export function modalityScale(args: ModalityScaleArgs): ModalityScale {
  return new ModalityScale(args);
}
