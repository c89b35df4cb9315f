import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertNumber, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';
import { linear, mergeHeads, scaledDotProductAttention, splitHeads, toTokens } from './attentionMath.js';

/** Options of {@link multiHeadAttention} (Keras' `MultiHeadAttention` arguments). */
export interface MultiHeadAttentionArgs extends LayerBaseArgs {
  /** Number of attention heads. Required. */
  numHeads: number;
  /** Size of each head's query and key projection. Required. */
  keyDim: number;
  /** Size of each head's value projection. Default `keyDim`. */
  valueDim?: number | null;
  /** Dropout rate on the attention weights (training only). Default 0. */
  dropout?: number;
  /** Biases on the query, key, value and output projections. Default true (Keras). */
  useBias?: boolean;
  /**
   * Bias on the output projection only; default `useBias`. Not a Keras argument: MONAI's
   * `SABlock` has no q/k/v bias but an output bias (`useBias: false, outputUseBias: true`).
   */
  outputUseBias?: boolean;
  /** Only `null` (attend over every axis between batch and channels, Keras' default). */
  attentionAxes?: null;
  /** Only `null` (output channels = query channels, Keras' default). */
  outputShape?: null;
  /** Seed of the Glorot-uniform kernel initializer (Keras' default initializer). */
  seed?: number;
}

/**
 * Multi-head attention with the semantics, weights and config of Keras' `MultiHeadAttention`
 * (Vaswani et al., "Attention Is All You Need", NeurIPS 2017): per head h,
 * `softmax((x_q Wq_h)(x_k Wk_h)^T / sqrt(keyDim)) (x_v Wv_h)`, heads concatenated and projected
 * back to the query's channel count. Inputs are channels last, `[N, ..., C]`, of any rank >= 3:
 * as in Keras with `attention_axes=None`, every axis between batch and channels is attended
 * over, so `[N, H, W, C]` feature maps and `[N, D, H, W, C]` volumes work unchanged.
 *
 * Call it on one tensor (self-attention), `[query, value]` or `[query, value, key]`. Weights, in
 * Keras' order and shapes: `query/kernel [Cq, heads, keyDim]`, `query/bias [heads, keyDim]`,
 * `key/...`, `value/kernel [Cv, heads, valueDim]`, `attention_output/kernel [heads, valueDim, Cq]`,
 * `attention_output/bias [Cq]`. Parameters: `Cq*h*k + Ck*h*k + Cv*h*v + h*v*Cq` plus biases
 * `2*h*k + h*v + Cq`.
 *
 * @example
 * ```ts
 * const y = new MultiHeadAttention({ numHeads: 2, keyDim: 6 }).apply(x); // x [N, 16, 12] -> [N, 16, 12]
 * ```
 */
export class MultiHeadAttention extends tfl.layers.Layer {
  /** Keras class name, used by save/load. */
  static className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;
  readonly outputUseBias: boolean;
  readonly seed: number | undefined;
  private kernels: tfl.LayerVariable[] = [];
  private biases: (tfl.LayerVariable | null)[] = [];

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const own = MultiHeadAttention.className;
    if (args === undefined || args === null || typeof args !== 'object') fail(own, 'args', args, 'an object with numHeads and keyDim');
    assertInteger(own, 'args.numHeads', args.numHeads, { min: 1 });
    assertInteger(own, 'args.keyDim', args.keyDim, { min: 1 });
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    assertInteger(own, 'args.valueDim', this.valueDim, { min: 1 });
    this.dropoutRate = args.dropout ?? 0;
    assertNumber(own, 'args.dropout', this.dropoutRate, { min: 0, max: 1, maxExclusive: true });
    this.useBias = args.useBias ?? true;
    assertBoolean(own, 'args.useBias', this.useBias);
    this.outputUseBias = args.outputUseBias ?? this.useBias;
    assertBoolean(own, 'args.outputUseBias', this.outputUseBias);
    if (args.attentionAxes !== undefined && args.attentionAxes !== null) {
      fail(own, 'args.attentionAxes', args.attentionAxes, 'null (attention over every axis between batch and channels)');
    }
    if (args.outputShape !== undefined && args.outputShape !== null) {
      fail(own, 'args.outputShape', args.outputShape, 'null (output channels = query channels)');
    }
    if (args.seed !== undefined) assertInteger(own, 'args.seed', args.seed, { min: 0 });
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tfl.Shape[];
    const own = MultiHeadAttention.className;
    if (shapes.length > 3) {
      throw new UnetKitError(own, 'inputs', `are ${shapes.length} tensors; expected 1 (self-attention), [query, value] or [query, value, key].`);
    }
    const [query, value = query, key = value] = shapes as [tfl.Shape, tfl.Shape?, tfl.Shape?];
    const channels = [query, key!, value!].map((shape) => {
      const c = shape[shape.length - 1];
      if (shape.length < 3 || c === null || c === undefined) {
        throw new UnetKitError(own, 'input shape', `is ${formatValue(shape)}; expected rank 3 or more ([N, ..., C], channels last) with a known channel count.`);
      }
      return c;
    });
    const [cq, ck, cv] = channels as [number, number, number];
    const h = this.numHeads;
    const seed = (offset: number) => tfl.initializers.glorotUniform({ seed: this.seed === undefined ? undefined : this.seed + offset });
    const zeros = tfl.initializers.zeros();
    const specs: [string, number[], number[], boolean][] = [
      ['query', [cq, h, this.keyDim], [h, this.keyDim], this.useBias],
      ['key', [ck, h, this.keyDim], [h, this.keyDim], this.useBias],
      ['value', [cv, h, this.valueDim], [h, this.valueDim], this.useBias],
      ['attention_output', [h, this.valueDim, cq], [cq], this.outputUseBias],
    ];
    specs.forEach(([name, kernelShape, biasShape, withBias], i) => {
      this.kernels.push(this.addWeight(`${name}/kernel`, kernelShape, 'float32', seed(i)));
      this.biases.push(withBias ? this.addWeight(`${name}/bias`, biasShape, 'float32', zeros) : null);
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const query = list[0]!;
      const value = list[1] ?? query;
      const key = list[2] ?? value;
      const [wq, wk, wv, wo] = this.kernels.map((k) => k.read());
      const [bq, bk, bv, bo] = this.biases.map((b) => (b === null ? null : b.read()));
      const q = splitHeads(linear(toTokens(query), wq!, bq!), this.numHeads);
      const k = splitHeads(linear(toTokens(key), wk!, bk!), this.numHeads);
      const v = splitHeads(linear(toTokens(value), wv!, bv!), this.numHeads);
      const rate = kwargs['training'] === true ? this.dropoutRate : 0;
      const attended = mergeHeads(scaledDotProductAttention(q, k, v, null, rate));
      return tf.reshape(linear(attended, wo!, bo!), [...query.shape.slice(0, -1), query.shape[query.shape.length - 1]!]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropoutRate,
      useBias: this.useBias,
      outputUseBias: this.outputUseBias,
      attentionAxes: null,
      outputShape: null,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(MultiHeadAttention);

/**
 * Creates a {@link MultiHeadAttention} layer.
 *
 * @example
 * ```ts
 * const attention = multiHeadAttention({ numHeads: 12, keyDim: 64 }); // ViT-B: 768 channels
 * ```
 */
export function multiHeadAttention(args: MultiHeadAttentionArgs): MultiHeadAttention {
  return new MultiHeadAttention(args);
}
