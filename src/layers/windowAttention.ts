import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertNumber, assertNumberArray, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';
import { linear, mergeHeads, roll, scaledDotProductAttention, splitHeads } from './attentionMath.js';
import { attentionChunkScores, chunkedWindowAttention } from './chunkedAttention.js';
import { effectiveWindow, padSpatialEnd, partitionWindows, relativePositionIndex, reverseWindows, shiftedWindowMask } from './windows.js';

/** Options of {@link windowAttention}. */
export interface WindowAttentionArgs extends LayerBaseArgs {
  /** Number of heads; must divide the channel count. Required. */
  numHeads: number;
  /** Window side per spatial axis, or one number for all. Default 7 (Swin, SwinUNETR). */
  windowSize?: number | number[];
  /** Cyclic shift per axis, or one number; 0 (W-MSA) or, typically, half the window (SW-MSA). Default 0. */
  shiftSize?: number | number[];
  /** Bias on the q/k/v projection. Default true (Swin, MONAI `qkv_bias=True` in SwinUNETR). */
  qkvBias?: boolean;
  /** Dropout on the attention weights (training only). Default 0. */
  attentionDropout?: number;
  /** Dropout on the output projection (training only). Default 0. */
  projectionDropout?: number;
  /** Seed of the initializers, for repeatable weights. */
  seed?: number;
}

/**
 * Swin (shifted) window multi-head self-attention (Liu et al., "Swin Transformer", ICCV 2021;
 * 3D as in Hatamizadeh et al., "Swin UNETR", BrainLes 2021 / MONAI `WindowAttention` and the
 * attention half of `SwinTransformerBlock`): on `[N, ...spatial, C]` (2D or 3D, channels last),
 * pads each axis to a multiple of its window, rolls by `-shift` (cyclic shift), attends within
 * each non-overlapping window with a learned relative position bias and, when shifted, the mask
 * that keeps positions rolled in from the far side apart, then reverses the roll and crops.
 * Output shape = input shape.
 *
 * As in MONAI, an axis no longer than the window uses a window of its own size and no shift,
 * padded positions (zeros) take part in attention, and a reduced window reads the top-left
 * block of the full window's relative position index.
 *
 * Weights: `qkv/kernel [C, 3C]`, `qkv/bias [3C]`, `proj/kernel [C, C]`, `proj/bias [C]`,
 * `relative_position_bias_table [prod(2 w - 1), heads]` (truncated normal, stddev 0.02):
 * `4 C^2 + 4 C + prod(2 w - 1) * heads` parameters with `qkvBias` (`4 C^2 + C + ...` without).
 *
 * @example
 * ```ts
 * const y = new WindowAttention({ numHeads: 2, windowSize: 4, shiftSize: 2 }).apply(x); // x [N, 8, 8, 12]
 * ```
 */
export class WindowAttention extends tfl.layers.Layer {
  /** Class name used by save/load (no Keras counterpart). */
  static className = 'WindowAttention';
  readonly numHeads: number;
  readonly windowSize: number | number[];
  readonly shiftSize: number | number[];
  readonly qkvBias: boolean;
  readonly attentionDropout: number;
  readonly projectionDropout: number;
  readonly seed: number | undefined;
  private qkvKernel: tfl.LayerVariable | null = null;
  private qkvBiasWeight: tfl.LayerVariable | null = null;
  private projKernel: tfl.LayerVariable | null = null;
  private projBias: tfl.LayerVariable | null = null;
  private table: tfl.LayerVariable | null = null;

  constructor(args: WindowAttentionArgs) {
    super(args);
    const own = WindowAttention.className;
    if (args === undefined || args === null || typeof args !== 'object') fail(own, 'args', args, 'an object with numHeads');
    assertInteger(own, 'args.numHeads', args.numHeads, { min: 1 });
    this.numHeads = args.numHeads;
    this.windowSize = args.windowSize ?? 7;
    this.shiftSize = args.shiftSize ?? 0;
    checkPerAxis(own, 'args.windowSize', this.windowSize, 1);
    checkPerAxis(own, 'args.shiftSize', this.shiftSize, 0);
    this.qkvBias = args.qkvBias ?? true;
    assertBoolean(own, 'args.qkvBias', this.qkvBias);
    this.attentionDropout = args.attentionDropout ?? 0;
    this.projectionDropout = args.projectionDropout ?? 0;
    assertNumber(own, 'args.attentionDropout', this.attentionDropout, { min: 0, max: 1, maxExclusive: true });
    assertNumber(own, 'args.projectionDropout', this.projectionDropout, { min: 0, max: 1, maxExclusive: true });
    if (args.seed !== undefined) assertInteger(own, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  /** Window and shift per axis for `spatialDims` axes. */
  private perAxis(spatialDims: number): { window: number[]; shift: number[] } {
    const own = WindowAttention.className;
    const expand = (value: number | number[], argument: string): number[] => {
      if (typeof value === 'number') return Array.from({ length: spatialDims }, () => value);
      if (value.length !== spatialDims) fail(own, argument, value, `one number or ${spatialDims} numbers (one per spatial axis)`);
      return value;
    };
    const window = expand(this.windowSize, 'args.windowSize');
    const shift = expand(this.shiftSize, 'args.shiftSize');
    shift.forEach((s, i) => {
      if (s >= window[i]!) fail(own, 'args.shiftSize', this.shiftSize, `shifts smaller than the window ${formatValue(window)} (typically half of it)`);
    });
    return { window, shift };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const own = WindowAttention.className;
    const channels = shape[shape.length - 1];
    if ((shape.length !== 4 && shape.length !== 5) || channels === null || channels === undefined) {
      throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; expected [N, H, W, C] or [N, D, H, W, C] with a known channel count.`);
    }
    if (channels % this.numHeads !== 0) {
      throw new UnetKitError(own, 'args.numHeads', `is ${this.numHeads}; it must divide the channel count ${channels} (each head gets C / heads channels).`);
    }
    const { window } = this.perAxis(shape.length - 2);
    const rows = window.reduce((a, w) => a * (2 * w - 1), 1);
    const init = (offset: number) => tfl.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed === undefined ? undefined : this.seed + offset });
    this.qkvKernel = this.addWeight('qkv/kernel', [channels, 3 * channels], 'float32', init(0));
    if (this.qkvBias) this.qkvBiasWeight = this.addWeight('qkv/bias', [3 * channels], 'float32', tfl.initializers.zeros());
    this.projKernel = this.addWeight('proj/kernel', [channels, channels], 'float32', init(1));
    this.projBias = this.addWeight('proj/bias', [channels], 'float32', tfl.initializers.zeros());
    this.table = this.addWeight('relative_position_bias_table', [rows, this.numHeads], 'float32', init(2));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const training = kwargs['training'] === true;
      const spatial = x.shape.slice(1, -1);
      const channels = x.shape[x.shape.length - 1]!;
      const configured = this.perAxis(spatial.length);
      const { window, shift } = effectiveWindow(spatial, configured.window, configured.shift);
      const padded = spatial.map((d, i) => Math.ceil(d / window[i]!) * window[i]!);
      let y = padSpatialEnd(x, spatial.map((d, i) => padded[i]! - d));
      shift.forEach((s, i) => (y = roll(y, -s, i + 1)));

      const windows = partitionWindows(y, window);
      const size = windows.shape[1];
      const qkv = linear(windows, this.qkvKernel!.read(), this.qkvBiasWeight === null ? null : this.qkvBiasWeight.read());
      const [q, k, v] = tf.split(qkv, 3, -1).map((t) => splitHeads(t, this.numHeads));
      const index = tf.tensor1d(relativePositionIndex(configured.window, size), 'int32');
      const bias = tf.transpose(tf.reshape(tf.gather(this.table!.read(), index), [size, size, this.numHeads]), [2, 0, 1]);
      const dropout = training ? this.attentionDropout : 0;
      const masked = shift.some((s) => s > 0);
      const mask = masked ? shiftedWindowMask(padded, window, shift) : null;
      let attended: tf.Tensor;
      if (useChunks(q!.shape, dropout)) {
        // Past the chunk budget: windows a chunk at a time, the gradient recomputing the weights
        // (the whole-batch scores of a 96^3 volume do not fit the wasm heap). Dropout masks could
        // not be recomputed identically, so dropout keeps the one-shot formulation.
        attended = chunkedWindowAttention(q! as tf.Tensor4D, k! as tf.Tensor4D, v! as tf.Tensor4D, bias as tf.Tensor3D, mask === null ? null : { values: mask.values, groups: mask.shape[0] });
      } else if (mask !== null) {
        const windowCount = mask.shape[0];
        // [N * nW, h, n, n] viewed as [N, nW, h, n, n]: the mask depends on the window, the bias on the head.
        const combined = tf.add(tf.expandDims(tf.tensor3d(mask.values, mask.shape), 1), bias);
        const qs = tf.reshape(q!, [-1, windowCount, this.numHeads, size, channels / this.numHeads]);
        const ks = tf.reshape(k!, qs.shape);
        const vs = tf.reshape(v!, qs.shape);
        attended = tf.reshape(scaledDotProductAttention(qs, ks, vs, combined, dropout), q!.shape);
      } else {
        attended = scaledDotProductAttention(q!, k!, v!, bias, dropout);
      }
      let projected = linear(mergeHeads(attended), this.projKernel!.read(), this.projBias!.read());
      if (training && this.projectionDropout > 0) projected = tf.dropout(projected, this.projectionDropout);

      let out = reverseWindows(projected, window, [x.shape[0]!, ...padded, channels]);
      shift.forEach((s, i) => (out = roll(out, s, i + 1)));
      return padded.some((d, i) => d !== spatial[i]) ? tf.slice(out, out.shape.map(() => 0), x.shape) : out;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      windowSize: this.windowSize,
      shiftSize: this.shiftSize,
      qkvBias: this.qkvBias,
      attentionDropout: this.attentionDropout,
      projectionDropout: this.projectionDropout,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(WindowAttention);

/** Chunk when the scores of all windows `[B, H, n, n]` exceed the chunk budget, and no dropout applies. */
function useChunks(qShape: number[], dropout: number): boolean {
  const [rows, heads, n] = qShape as [number, number, number];
  const budget = attentionChunkScores();
  return budget > 0 && dropout === 0 && rows * heads * n * n > budget;
}

function checkPerAxis(own: string, argument: string, value: unknown, min: number): void {
  if (typeof value === 'number') assertInteger(own, argument, value, { min });
  else assertNumberArray(own, argument, value, { min, integer: true });
}

/**
 * Creates a {@link WindowAttention} layer.
 *
 * @example
 * ```ts
 * const shifted = windowAttention({ numHeads: 3, windowSize: 7, shiftSize: 3 }); // SwinUNETR stage 1, odd block
 * ```
 */
export function windowAttention(args: WindowAttentionArgs): WindowAttention {
  return new WindowAttention(args);
}
