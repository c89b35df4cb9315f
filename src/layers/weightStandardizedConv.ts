import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertNumber, assertOneOf, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** Options of {@link weightStandardizedConv}. */
export interface WeightStandardizedConvArgs extends LayerBaseArgs {
  /** Output channels. Required. */
  filters: number;
  /** Kernel side (same on every axis). Required. */
  kernelSize: number;
  /** Stride on every axis. Default 1. */
  strides?: number;
  /** `'same'` or `'valid'` (Keras semantics). Default `'same'`. */
  padding?: 'same' | 'valid';
  /** Add a bias. Default false (BiT / TransUNet convs are bias-free). */
  useBias?: boolean;
  /** Added to the kernel variance before the square root. Default 1e-5 (TransUNet's `StdConv2d`). */
  epsilon?: number;
  /** Seed of the He-normal kernel initializer. */
  seed?: number;
}

/**
 * A convolution with weight standardization (Qiao et al., "Micro-Batch Training with
 * Batch-Channel Normalization and Weight Standardization", arXiv 1903.10520; used with group
 * norm by BiT, Kolesnikov et al. 2020, and by TransUNet's ResNet, `StdConv2d` in
 * Beckschen/TransUNet `vit_seg_modeling_resnet_skip.py`): every output filter of the kernel is
 * standardized to zero mean and unit (biased) variance over its taps and input channels,
 * `w' = (w - mean) / sqrt(var + epsilon)`, before a plain convolution. 2D (`[N, H, W, C]`) or 3D
 * (`[N, D, H, W, C]`), from the input's rank; channels last. Weights `kernel [k, k, (k,) C, F]`
 * (the stored, unstandardized values, as the reference's `weight`) and `bias [F]` with `useBias`:
 * `k^dims C F (+ F)` parameters. The output does not change when a filter is scaled or shifted.
 *
 * @example
 * ```ts
 * const stem = new WeightStandardizedConv({ filters: 64, kernelSize: 7, strides: 2 }).apply(x); // [N, 224, 224, 3] -> [N, 112, 112, 64]
 * ```
 */
export class WeightStandardizedConv extends tfl.layers.Layer {
  /** Class name used by save/load (no Keras counterpart). */
  static className = 'WeightStandardizedConv';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly useBias: boolean;
  readonly epsilon: number;
  readonly seed: number | undefined;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: WeightStandardizedConvArgs) {
    super(args);
    const own = WeightStandardizedConv.className;
    if (args === undefined || args === null || typeof args !== 'object') fail(own, 'args', args, 'an object with filters and kernelSize');
    assertInteger(own, 'args.filters', args.filters, { min: 1 });
    assertInteger(own, 'args.kernelSize', args.kernelSize, { min: 1 });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    assertInteger(own, 'args.strides', this.strides, { min: 1 });
    this.padding = args.padding ?? 'same';
    assertOneOf(own, 'args.padding', this.padding, ['same', 'valid']);
    this.useBias = args.useBias ?? false;
    assertBoolean(own, 'args.useBias', this.useBias);
    this.epsilon = args.epsilon ?? 1e-5;
    assertNumber(own, 'args.epsilon', this.epsilon, { min: 0, minExclusive: true });
    if (args.seed !== undefined) assertInteger(own, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if ((shape.length !== 4 && shape.length !== 5) || channels === null || channels === undefined) {
      throw new UnetKitError(WeightStandardizedConv.className, 'input shape', `is ${formatValue(shape)}; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.`);
    }
    const kernelShape = [...shape.slice(1, -1).map(() => this.kernelSize), channels, this.filters];
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', tfl.initializers.heNormal({ seed: this.seed }));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const w = this.kernel!.read();
      // Per output filter (the last axis): mean and biased variance over taps and input channels.
      const { mean, variance } = tf.moments(w, Array.from({ length: w.rank - 1 }, (_, i) => i), true);
      const standardized = tf.div(tf.sub(w, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      const y =
        x.rank === 4
          ? tf.conv2d(x as tf.Tensor4D, standardized as tf.Tensor4D, this.strides, this.padding)
          : tf.conv3d(x as tf.Tensor5D, standardized as tf.Tensor5D, this.strides, this.padding);
      return this.useBias ? tf.add(y, this.bias!.read()) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const out = (d: number | null | undefined) => {
      if (d === null || d === undefined) return null;
      return this.padding === 'same' ? Math.ceil(d / this.strides) : Math.floor((d - this.kernelSize) / this.strides) + 1;
    };
    return [shape[0]!, ...shape.slice(1, -1).map(out), this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      useBias: this.useBias,
      epsilon: this.epsilon,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(WeightStandardizedConv);

/**
 * Creates a {@link WeightStandardizedConv} layer.
 *
 * @example
 * ```ts
 * const conv = weightStandardizedConv({ filters: 16, kernelSize: 3 }); // [N, H, W, C] -> [N, H, W, 16]
 * ```
 */
export function weightStandardizedConv(args: WeightStandardizedConvArgs): WeightStandardizedConv {
  return new WeightStandardizedConv(args);
}
