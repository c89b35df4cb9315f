import * as tfl from '@tensorflow/tfjs-layers';
import { layerNormalization } from '../layers/layerNormalization.js';
import { assertBoolean, assertInteger, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { multiHeadAttention } from '../layers/multiHeadAttention.js';
import { resolveCommon } from './blockOptions.js';
import { assertDropout } from './checks.js';
import { apply, type Sym } from './functional.js';

/** Options of {@link transformerBlock}. */
export interface TransformerBlockOptions {
  /** Attention heads; must divide the token channels. Default 12 (ViT-B, UNETR). */
  numHeads?: number;
  /** Hidden width of the MLP. Default 4 x the token channels (3072 for 768, ViT-B). */
  mlpDim?: number;
  /** Dropout on the attention weights, after the attention and in the MLP (MONAI's one `dropout_rate`). Default 0. */
  dropout?: number;
  /** Dropout on the attention weights and after the attention only, when it differs from `dropout` (ViT / TransUNet `attention_dropout_rate`). Default `dropout`. */
  attentionDropout?: number;
  /** Bias on the q/k/v projections (the output projection always has one, as in MONAI `SABlock`). Default false (MONAI). */
  qkvBias?: boolean;
  /** Layer-norm epsilon. Default 1e-5 (PyTorch `nn.LayerNorm`). */
  epsilon?: number;
  /** Seed of the weight initializers. Default: random. */
  seed?: number;
  /** Prefix of the layer names. Default `transformer_${n}`. */
  name?: string;
}

/**
 * A pre-norm transformer encoder block (Vaswani et al. 2017; ViT, Dosovitskiy et al. 2021;
 * MONAI `TransformerBlock`): `x = x + attention(norm1(x))`, `x = x + mlp(norm2(x))`, the MLP
 * `dense(mlpDim, GELU) -> dropout -> dense(C) -> dropout`. On tokens `[N, T, C]` (or any
 * `[N, ..., C]`: attention spans every position). Parameters: `4 C^2 + C` (attention, plus
 * `3C` with `qkvBias`) `+ 2 C mlpDim + mlpDim + C` (MLP) `+ 4C` (two layer norms).
 *
 * Layers: `${name}_norm1`, `${name}_attn`, `${name}_attn_drop`, `${name}_add1`, `${name}_norm2`,
 * `${name}_mlp1`, `${name}_mlp_drop1`, `${name}_mlp2`, `${name}_mlp_drop2`, `${name}_add2`.
 *
 * @example
 * ```ts
 * const y = transformerBlock(tokens, { numHeads: 12, mlpDim: 3072, name: 'vit_block1' }); // tokens [N, 216, 768]
 * ```
 */
export function transformerBlock(x: Sym, options: TransformerBlockOptions = {}): Sym {
  const fn = 'transformerBlock';
  const o = resolveCommon(fn, options, 'transformer', ['numHeads', 'mlpDim', 'dropout', 'attentionDropout', 'qkvBias', 'epsilon']);
  if (!(x instanceof tfl.SymbolicTensor) || x.shape.length < 3) fail(fn, 'x', x, 'a tf.SymbolicTensor of tokens [N, T, C] (or [N, ..., C])');
  const channels = x.shape[x.shape.length - 1];
  if (typeof channels !== 'number') fail(fn, 'x', x, 'tokens with a known channel count');
  const { numHeads = 12, mlpDim = 4 * channels, dropout = 0, qkvBias = false, epsilon = 1e-5 } = options;
  const attentionDropout = options.attentionDropout ?? dropout;
  assertInteger(fn, 'options.numHeads', numHeads, { min: 1 });
  assertInteger(fn, 'options.mlpDim', mlpDim, { min: 1 });
  assertDropout(fn, dropout);
  assertDropout(fn, attentionDropout, 'options.attentionDropout');
  assertBoolean(fn, 'options.qkvBias', qkvBias);
  if (channels % numHeads !== 0) {
    throw new UnetKitError(fn, 'options.numHeads', `is ${numHeads}; it must divide the token channels ${channels} of x ${formatValue(x.shape)} (each head gets C / heads channels).`);
  }
  const n = o.name;
  const norm1 = apply(layerNormalization({ epsilon, name: `${n}_norm1` }), x);
  const attention = multiHeadAttention({ numHeads, keyDim: channels / numHeads, dropout: attentionDropout, useBias: qkvBias, outputUseBias: true, seed: o.nextSeed(), name: `${n}_attn` });
  const attended = apply(tfl.layers.dropout({ rate: attentionDropout, name: `${n}_attn_drop` }), apply(attention, norm1));
  const x1 = apply(tfl.layers.add({ name: `${n}_add1` }), [x, attended]);
  const norm2 = apply(layerNormalization({ epsilon, name: `${n}_norm2` }), x1);
  const init = () => tfl.initializers.glorotUniform({ seed: o.nextSeed() });
  let h = apply(tfl.layers.dense({ units: mlpDim, activation: 'gelu', kernelInitializer: init(), name: `${n}_mlp1` }), norm2);
  h = apply(tfl.layers.dropout({ rate: dropout, name: `${n}_mlp_drop1` }), h);
  h = apply(tfl.layers.dense({ units: channels, kernelInitializer: init(), name: `${n}_mlp2` }), h);
  h = apply(tfl.layers.dropout({ rate: dropout, name: `${n}_mlp_drop2` }), h);
  return apply(tfl.layers.add({ name: `${n}_add2` }), [x1, h]);
}

/** Parameters of one {@link transformerBlock} on `channels`-wide tokens (the closed form above). */
export function transformerBlockParameterCount(channels: number, mlpDim: number, qkvBias: boolean): number {
  return 4 * channels * channels + channels + (qkvBias ? 3 * channels : 0) + 2 * channels * mlpDim + mlpDim + channels + 4 * channels;
}
