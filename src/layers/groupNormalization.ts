import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertNumber, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link groupNormalization}. */
export interface GroupNormalizationArgs extends LayerBaseArgs {
  /**
   * Number of channel groups; must divide the channel count. `-1` means one group per channel
   * (instance normalization, the Keras 3 / TF Addons convention). Default 32 (Wu & He 2018).
   */
  groups?: number;
  /** Small constant added to the variance. Default 1e-5 (PyTorch, MONAI; Keras 3 uses 1e-3). */
  epsilon?: number;
  /** The channel axis: only `-1` (channels last), accepted so Keras configs load. */
  axis?: number;
  /** Learn a per-channel offset beta. Default true. */
  center?: boolean;
  /** Learn a per-channel scale gamma. Default true. */
  scale?: boolean;
}

/**
 * Normalizes each sample over groups of channels and all spatial positions, then applies a
 * per-channel affine map (Wu & He, "Group Normalization", ECCV 2018):
 * `y = gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta`, statistics per sample and group,
 * biased variance. Works at any rank (channels last); batch-size independent, so it suits the
 * small batches of 3D segmentation. Saved under Keras 3's class name `GroupNormalization`.
 *
 * @example
 * ```ts
 * const y = new GroupNormalization({ groups: 8 }).apply(x); // x with 32 channels: 8 groups of 4
 * ```
 */
export class GroupNormalization extends tfl.layers.Layer {
  /** Keras class name, used by save/load. */
  static className = 'GroupNormalization';
  groups: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  protected gamma: tfl.LayerVariable | null = null;
  protected beta: tfl.LayerVariable | null = null;

  constructor(args: GroupNormalizationArgs = {}) {
    super(args);
    const ownName = (this.constructor as typeof GroupNormalization).className;
    this.groups = args.groups ?? 32;
    this.epsilon = args.epsilon ?? 1e-5;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (this.groups !== -1) assertInteger(ownName, 'args.groups', this.groups, { min: 1 });
    if (args.axis !== undefined && args.axis !== -1) {
      fail(ownName, 'args.axis', args.axis, '-1 (channels last; transpose channels-first data first)');
    }
    assertNumber(ownName, 'args.epsilon', this.epsilon, { min: 0, minExclusive: true });
    assertBoolean(ownName, 'args.center', this.center);
    assertBoolean(ownName, 'args.scale', this.scale);
    this.supportsMasking = true;
  }

  /** The group count used for `channels` (`-1`: one group per channel). */
  protected groupsFor(channels: number): number {
    return this.groups === -1 ? channels : this.groups;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const ownName = (this.constructor as typeof GroupNormalization).className;
    const channels = shape[shape.length - 1];
    if (shape.length < 3 || channels === null || channels === undefined) {
      throw new UnetKitError(
        ownName,
        'input shape',
        `is ${formatValue(shape)}; expected rank 3 or more ([N, ..., C], channels last) with a known channel count.`,
      );
    }
    const groups = this.groupsFor(channels);
    if (channels % groups !== 0) {
      throw new UnetKitError(
        ownName,
        'args.groups',
        `is ${groups}; it must divide the channel count ${channels}: one of ${divisors(channels).join(', ')}.`,
      );
    }
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const shape = x.shape;
      const channels = shape[shape.length - 1]!;
      const groups = this.groupsFor(channels);
      const positions = shape.slice(1, -1).reduce((a, b) => a * b, 1);
      const grouped = tf.reshape(x, [shape[0]!, positions, groups, channels / groups]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      const normalized = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, this.epsilon))), shape);
      // gamma and beta as [1, ..., 1, C], the input's rank: tfjs-backend-webgpu 4.22 compiles a
      // rank-5 tensor against a rank-1 one of under 128 values to invalid WGSL ("cannot index type
      // 'vec5'") and returns zeros, which broke every 3D U-Net with instance or group norm there.
      const along = [...new Array<number>(shape.length - 1).fill(1), channels];
      const scaled = this.gamma !== null ? tf.mul(normalized, tf.reshape(this.gamma.read(), along)) : normalized;
      return this.beta !== null ? tf.add(scaled, tf.reshape(this.beta.read(), along)) : scaled;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
tf.serialization.registerClass(GroupNormalization);

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/**
 * Creates a {@link GroupNormalization} layer.
 *
 * @example
 * ```ts
 * const norm = groupNormalization({ groups: 4 }); // for a 16-channel feature map
 * ```
 */
export function groupNormalization(args: GroupNormalizationArgs = {}): GroupNormalization {
  return new GroupNormalization(args);
}
