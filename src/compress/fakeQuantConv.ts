import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertNumber, assertOneOf, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { fakeQuantizeOp, nudgeRange, type NudgedRange } from './fakeQuantize.js';

/** Activations a fake-quantized conv applies after its bias (those of the convs it replaces). */
export const FAKE_QUANT_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'softmax'] as const;
type Activation = (typeof FAKE_QUANT_ACTIVATIONS)[number];

/** Options of {@link FakeQuantConv2D} / {@link FakeQuantConv3D}: a conv's own plus the quantization's. */
export interface FakeQuantConvArgs {
  filters: number;
  /** Kernel size per spatial axis (a number: the same on each). */
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'same' | 'valid';
  dilationRate?: number | number[];
  /** Default 'linear'. */
  activation?: Activation;
  /** Default true. */
  useBias?: boolean;
  /** Bits of the per-channel symmetric weight grid (8: int8 `-127..127`). Default 8. */
  weightBits?: number;
  /** Bits of the per-tensor affine input grid (8: uint8 with a zero point). Default 8. */
  activationBits?: number;
  /**
   * Decay of the input range's exponential moving average, updated on every training call
   * (Jacob et al. 2018, Sec. 3.1). Default 0.99 (TF-MOT uses 0.999; short fine-tunes need a faster one).
   */
  rangeDecay?: number;
  /**
   * Run the conv in integer arithmetic (the inference an int8 runtime does): integer input and
   * weight codes, an int32 bias at scale `s_x * s_w`, the integer sum rescaled to float. Default
   * false (fake quantization in float, for training).
   */
  integerInference?: boolean;
  name?: string;
  trainable?: boolean;
}

/** `code - zeroPoint` of each value on the grid `range`: the integer an int8 runtime multiplies. */
function centredCodes(x: tf.Tensor, range: NudgedRange): tf.Tensor {
  // The offset from the range's minimum counts codes from quantMin, not from 0.
  const fromMin = tf.floor(tf.add(tf.div(tf.sub(tf.minimum(tf.maximum(x, range.min), range.max), range.min), range.scale), 0.5));
  return tf.sub(tf.add(fromMin, range.quantMin), range.zeroPoint);
}

function objectOrFail(args: FakeQuantConvArgs): FakeQuantConvArgs {
  if (args === null || typeof args !== 'object') fail('FakeQuantConv2D', 'args', args, 'an options object with filters and kernelSize');
  return args;
}

const tuple = (v: number | number[] | undefined, rank: number, fallback: number): number[] =>
  v === undefined ? Array(rank).fill(fallback) : typeof v === 'number' ? Array(rank).fill(v) : [...v];

function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'softmax':
      return tf.softmax(x);
  }
}

/**
 * A 2D/3D convolution trained with fake-quantized weights and inputs (quantization-aware
 * training, Jacob et al., CVPR 2018, Sec. 3): the kernel passes through a per-output-channel
 * symmetric grid (`weightBits`, int8 `-127..127` by default, scale `max|w_c| / 127`; the
 * per-channel weights of Krishnamoorthi 2018), the input through a per-tensor affine grid
 * (`activationBits`, uint8 with a zero point) whose range is an exponential moving average of the
 * batch min/max, updated on training calls; both with the straight-through estimator of
 * {@link fakeQuantize}. Built by {@link quantizeAware} from a model's `Conv2D` / `Conv3D`;
 * weights `kernel`, `bias` (as the conv's), `input_range` `[min, max]` and `range_updates` (0
 * before any training or calibration call: then the batch's own range is used). With
 * `integerInference` the conv runs on integer codes (see {@link FakeQuantConvArgs}). Channels last.
 *
 * @example
 * ```ts
 * const conv = new FakeQuantConv2D({ filters: 8, kernelSize: 3, padding: 'same' });
 * ```
 */
export class FakeQuantConv2D extends tfl.layers.Layer {
  /** Keras-style class name, used by save/load. */
  static className = 'FakeQuantConv2D';
  /** Spatial axes: 2 here, 3 in {@link FakeQuantConv3D}. */
  protected static spatialRank = 2;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: number[];
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly weightBits: number;
  readonly activationBits: number;
  readonly rangeDecay: number;
  readonly integerInference: boolean;
  protected kernel: tfl.LayerVariable | null = null;
  protected bias: tfl.LayerVariable | null = null;
  protected inputRange: tfl.LayerVariable | null = null;
  protected rangeUpdates: tfl.LayerVariable | null = null;

  constructor(args: FakeQuantConvArgs) {
    super(objectOrFail(args));
    const own = this.constructor as typeof FakeQuantConv2D;
    const fn = own.className;
    const rank = own.spatialRank;
    assertInteger(fn, 'args.filters', args.filters, { min: 1 });
    this.filters = args.filters;
    this.kernelSize = tuple(args.kernelSize, rank, 1);
    this.strides = tuple(args.strides, rank, 1);
    this.dilationRate = tuple(args.dilationRate, rank, 1);
    for (const [name, v] of [['kernelSize', this.kernelSize], ['strides', this.strides], ['dilationRate', this.dilationRate]] as const) {
      if (v.length !== rank || v.some((d) => !Number.isInteger(d) || d < 1)) fail(fn, `args.${name}`, v, `a positive integer or ${rank} of them`);
    }
    this.padding = args.padding ?? 'valid';
    assertOneOf(fn, 'args.padding', this.padding, ['same', 'valid'] as const);
    this.activation = args.activation ?? 'linear';
    assertOneOf(fn, 'args.activation', this.activation, FAKE_QUANT_ACTIVATIONS);
    this.useBias = args.useBias ?? true;
    assertBoolean(fn, 'args.useBias', this.useBias);
    this.weightBits = args.weightBits ?? 8;
    this.activationBits = args.activationBits ?? 8;
    assertInteger(fn, 'args.weightBits', this.weightBits, { min: 2, max: 16 });
    assertInteger(fn, 'args.activationBits', this.activationBits, { min: 2, max: 16 });
    this.rangeDecay = args.rangeDecay ?? 0.99;
    assertNumber(fn, 'args.rangeDecay', this.rangeDecay, { min: 0, max: 1, maxExclusive: true });
    this.integerInference = args.integerInference ?? false;
    assertBoolean(fn, 'args.integerInference', this.integerInference);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const own = this.constructor as typeof FakeQuantConv2D;
    const channels = shape.at(-1);
    if (shape.length !== own.spatialRank + 2 || channels === null || channels === undefined) {
      throw new UnetKitError(own.className, 'input shape', `is [${shape.join(', ')}]; expected rank ${own.spatialRank + 2} ([N, ...spatial, C], channels last) with a known channel count.`);
    }
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], 'float32', tfl.initializers.glorotUniform({}));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.inputRange = this.addWeight('input_range', [2], 'float32', tfl.initializers.zeros(), undefined, false);
    this.rangeUpdates = this.addWeight('range_updates', [], 'float32', tfl.initializers.zeros(), undefined, false);
    this.built = true;
  }

  /** The input range in use: the moving average, or the batch's own before any update; updates it when training. */
  private range(x: tf.Tensor, training: boolean): [tf.Tensor, tf.Tensor] {
    // A range must hold 0 (the nudge needs it) and be wider than nothing.
    const batchMin = tf.minimum(tf.min(x), 0);
    const batchMax = tf.maximum(tf.maximum(tf.max(x), 0), tf.add(batchMin, 1e-6));
    const seen = this.rangeUpdates!.read();
    const stored = this.inputRange!.read();
    const fresh = tf.stack([batchMin, batchMax]);
    const initialized = tf.greater(seen, 0);
    let range = tf.where(initialized, stored, fresh);
    if (training) {
      range = tf.where(initialized, tf.add(tf.mul(stored, this.rangeDecay), tf.mul(fresh, 1 - this.rangeDecay)), fresh);
      this.inputRange!.write(range);
      this.rangeUpdates!.write(tf.add(seen, 1));
    }
    const [lo, hi] = tf.unstack(range);
    return [lo!, hi!];
  }

  /** Per-output-channel symmetric weight bounds `max |w_c|` (never 0: an all-zero filter keeps a grid). */
  private weightBound(kernel: tf.Tensor): tf.Tensor {
    return tf.maximum(tf.max(tf.abs(kernel), kernel.shape.map((_, i) => i).slice(0, -1)), 1e-12);
  }

  private convolve(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    if (this.kernelSize.length === 2) {
      return tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, this.strides as [number, number], this.padding, 'NHWC', this.dilationRate as [number, number]);
    }
    return tf.conv3d(x as tf.Tensor5D, kernel as tf.Tensor5D, this.strides as [number, number, number], this.padding, 'NDHWC', this.dilationRate as [number, number, number]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const [lo, hi] = this.range(x, kwargs['training'] === true);
      const kernel = this.kernel!.read();
      const bound = this.weightBound(kernel);
      let y: tf.Tensor;
      if (this.integerInference) y = this.integerConv(x, lo, hi, kernel, bound);
      else {
        const xq = fakeQuantizeOp(x, lo, hi, this.activationBits, false);
        const wq = fakeQuantizeOp(kernel, tf.neg(bound), bound, this.weightBits, true);
        y = this.convolve(xq, wq);
        if (this.bias !== null) y = tf.add(y, this.bias.read());
      }
      return activate(y, this.activation);
    });
  }

  /**
   * Integer-arithmetic conv (Jacob et al. 2018, eq. 7-9): `acc = sum (q_x - z_x) q_w + q_b` over
   * integer codes, `q_b = round(b / (s_x s_w))`, output `acc * s_x s_w`. The sums run as float32
   * convs of integer values: exact while |acc| < 2^24 (a 3x3 conv over 32 channels reaches at most
   * 288 * 255 * 127 = 9.3e6), within float32 rounding beyond.
   */
  private integerConv(x: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor, kernel: tf.Tensor, bound: tf.Tensor): tf.Tensor {
    const input = nudgeRange(lo, hi, this.activationBits, false);
    const weights = nudgeRange(tf.neg(bound), bound, this.weightBits, true);
    const centredX = centredCodes(x, input);
    const centredW = centredCodes(kernel, weights);
    const accScale = tf.mul(input.scale, weights.scale);
    let acc = this.convolve(centredX, centredW);
    if (this.bias !== null) acc = tf.add(acc, tf.round(tf.div(this.bias.read(), accScale)));
    return tf.mul(acc, accScale);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const spatial = shape.slice(1, -1).map((size, i) => {
      if (size === null) return null;
      const extent = (this.kernelSize[i]! - 1) * this.dilationRate[i]! + 1;
      return this.padding === 'same' ? Math.ceil(size / this.strides[i]!) : Math.ceil((size - extent + 1) / this.strides[i]!);
    });
    return [shape[0]!, ...spatial, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      weightBits: this.weightBits,
      activationBits: this.activationBits,
      rangeDecay: this.rangeDecay,
      integerInference: this.integerInference,
    };
  }
}
tf.serialization.registerClass(FakeQuantConv2D);

/** {@link FakeQuantConv2D} over volumes `[N, D, H, W, C]`. */
export class FakeQuantConv3D extends FakeQuantConv2D {
  /** Keras-style class name, used by save/load. */
  static override className = 'FakeQuantConv3D';
  protected static override spatialRank = 3;
}
tf.serialization.registerClass(FakeQuantConv3D);
