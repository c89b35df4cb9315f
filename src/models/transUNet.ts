import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertKnownKeys, assertNumberArray, assertOptionsObject } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { seedSequence } from '../core/naming.js';
import { type OutputActivation } from '../core/outputActivation.js';
import { assertDropout } from '../blocks/checks.js';
import { convNormAct } from '../blocks/convNormAct.js';
import { apply, applyOptional } from '../blocks/functional.js';
import { transformerBlock, transformerBlockParameterCount } from '../blocks/transformerBlock.js';
import { layerNormalization } from '../layers/layerNormalization.js';
import { createActivation } from '../layers/normAct.js';
import { resolveActivation, resolveNorm, type NormSpec } from '../layers/normActOptions.js';
import { patchEmbedding } from '../layers/patchEmbedding.js';
import { learnedPositionEmbedding } from '../layers/positionEmbedding.js';
import { spatialLayers } from '../layers/spatial.js';
import { guardedBuild } from './guardedBuild.js';
import { fixedInputDims, resolveMonaiCommon } from './monaiNet.js';
import { resNetV2Encoder, resNetV2ParameterCount } from './resNetV2.js';

/** The CNN brings the image to 1/16 (stem /2, pool /2, stages 2 and 3 /2 each), where the ViT works. */
const STRIDE = 16;

/** Options of {@link transUNet}; the defaults are the reference code's R50-ViT-B_16 configuration. */
export interface TransUNetOptions {
  /** `[H, W, C]`, channels last; H and W known multiples of 16. */
  inputShape: ReadonlyArray<number>;
  /** Output channels (9 on Synapse: 8 organs and background). */
  numClasses: number;
  /** Only 2 (TransUNet is 2D). Default 2. */
  spatialDims?: 2;
  /** Bottleneck units in each of the 3 ResNet stages. Default `[3, 4, 9]` (R50 without its 4th stage). */
  resnetDepths?: readonly number[];
  /** ResNet stem width (`64 * width_factor`); the stages output 4, 8 and 16 times as many channels. Default 64. */
  resnetWidth?: number;
  /** Normalization of the ResNet. Default `{ type: 'group', groups: 32, epsilon: 1e-6 }` (the reference's GroupNorm; group counts are clamped to a divisor of the channels). */
  encoderNorm?: NormSpec;
  /** Standardize the weights of every ResNet conv (the reference's `StdConv2d`, `WeightStandardizedConv` of unet-kit/layers); false for plain convs. Default true. */
  weightStandardization?: boolean;
  /** Token width of the ViT. Default 768. */
  hiddenSize?: number;
  /** MLP width of each transformer block. Default 3072. */
  mlpDim?: number;
  /** Attention heads; must divide `hiddenSize`. Default 12. */
  numHeads?: number;
  /** Transformer blocks. Default 12. */
  numLayers?: number;
  /** Dropout after the position embedding and in the MLPs (`dropout_rate`). Default 0.1. */
  dropout?: number;
  /** Dropout on the attention weights and the attention output (`attention_dropout_rate`). Default 0. */
  attentionDropout?: number;
  /** Channels of the 3x3 conv on the reshaped tokens (`conv_more`). Default 512. */
  headChannels?: number;
  /** Output channels of the 4 decoder blocks (1/8, 1/4, 1/2, 1/1). Default `[256, 128, 64, 16]`. */
  decoderFilters?: readonly number[];
  /** CNN skips used, from the deepest (1/8, 1/4, 1/2), 0 to 3 (`n_skip`). Default 3. */
  numSkips?: number;
  /** Normalization of the decoder convs. Default `{ type: 'batch', momentum: 0.9, epsilon: 1e-5 }` (PyTorch `BatchNorm2d`). */
  decoderNorm?: NormSpec;
  /** Output activation. Default `numClasses > 1 ? 'softmax' : 'sigmoid'` (the reference returns logits: `'none'`). */
  finalActivation?: OutputActivation;
  /** Seed of every initializer. Default: random. */
  seed?: number;
  /** Model name. Default `'trans_unet'`. */
  name?: string;
}

interface Resolved {
  inputShape: number[];
  numClasses: number;
  resnetDepths: number[];
  resnetWidth: number;
  encoderNorm: NormSpec;
  encoderNormWeights: number;
  weightStandardization: boolean;
  hiddenSize: number;
  mlpDim: number;
  numHeads: number;
  numLayers: number;
  dropout: number;
  attentionDropout: number;
  headChannels: number;
  decoderFilters: number[];
  numSkips: number;
  decoderNorm: NormSpec;
  decoderNormWeights: number;
  finalActivation: OutputActivation;
  seed: number | undefined;
  name: string;
}

const KEYS = [
  'inputShape', 'numClasses', 'spatialDims', 'resnetDepths', 'resnetWidth', 'encoderNorm', 'weightStandardization', 'hiddenSize', 'mlpDim', 'numHeads', 'numLayers',
  'dropout', 'attentionDropout', 'headChannels', 'decoderFilters', 'numSkips', 'decoderNorm', 'finalActivation', 'seed', 'name',
];

/** Learned weights per channel of a norm layer, as `countParams()` counts them (batch norm's moving statistics included). */
function normWeights(fn: string, norm: NormSpec, argument: string): number {
  const r = resolveNorm(norm, fn, argument);
  return { none: 0, batch: 4, layer: 2, instance: r.affine ? 2 : 0, group: r.affine ? 2 : 0 }[r.type];
}

function resolve(fn: string, options: TransUNetOptions): Resolved {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  if (Array.isArray(options.inputShape) && options.inputShape.length !== 3) {
    throw new UnetKitError(fn, 'options.inputShape', `has ${options.inputShape.length} axes; TransUNet is 2D: expected [H, W, C].`);
  }
  fixedInputDims(fn, options.inputShape, options.spatialDims, STRIDE, `${STRIDE} (the ResNet's stride, where the ViT works)`);
  const { numClasses } = options;
  assertInteger(fn, 'options.numClasses', numClasses, { min: 1 });
  const { resnetWidth = 64, hiddenSize = 768, mlpDim = 3072, numHeads = 12, numLayers = 12, dropout = 0.1, attentionDropout = 0, headChannels = 512, numSkips = 3 } = options;
  const resnetDepths = [...(options.resnetDepths ?? [3, 4, 9])];
  const decoderFilters = [...(options.decoderFilters ?? [256, 128, 64, 16])];
  assertNumberArray(fn, 'options.resnetDepths', resnetDepths, { min: 1, integer: true }, 3);
  assertNumberArray(fn, 'options.decoderFilters', decoderFilters, { min: 1, integer: true }, 4);
  for (const [argument, value] of [['resnetWidth', resnetWidth], ['hiddenSize', hiddenSize], ['mlpDim', mlpDim], ['numHeads', numHeads], ['numLayers', numLayers], ['headChannels', headChannels]] as const) {
    assertInteger(fn, `options.${argument}`, value, { min: 1 });
  }
  assertInteger(fn, 'options.numSkips', numSkips, { min: 0, max: 3 });
  if (hiddenSize % numHeads !== 0) {
    throw new UnetKitError(fn, 'options.numHeads', `is ${numHeads}; it must divide options.hiddenSize ${hiddenSize} (each head gets hiddenSize / numHeads channels).`);
  }
  assertDropout(fn, dropout);
  assertDropout(fn, attentionDropout, 'options.attentionDropout');
  const weightStandardization = options.weightStandardization ?? true;
  assertBoolean(fn, 'options.weightStandardization', weightStandardization);
  const encoderNorm = options.encoderNorm ?? { type: 'group', groups: 32, epsilon: 1e-6 };
  const decoderNorm = options.decoderNorm ?? { type: 'batch', momentum: 0.9, epsilon: 1e-5 };
  const encoderNormWeights = normWeights(fn, encoderNorm, 'options.encoderNorm');
  const decoderNormWeights = normWeights(fn, decoderNorm, 'options.decoderNorm');
  const { finalActivation, name } = resolveMonaiCommon(fn, options, numClasses, 'trans_unet');
  return {
    inputShape: [...options.inputShape], numClasses, resnetDepths, resnetWidth, encoderNorm, encoderNormWeights, weightStandardization, hiddenSize, mlpDim, numHeads, numLayers,
    dropout, attentionDropout, headChannels, decoderFilters, numSkips, decoderNorm, decoderNormWeights, finalActivation, seed: options.seed, name,
  };
}

/**
 * TransUNet (Chen et al., "TransUNet: Transformers Make Strong Encoders for Medical Image
 * Segmentation", arXiv 2102.04306, 2021), as the reference code's R50-ViT-B_16
 * (Beckschen/TransUNet `networks/vit_seg_modeling.py`, `vit_seg_modeling_resnet_skip.py`,
 * `vit_seg_configs.py`), 2D:
 * - CNN encoder: ResNetV2 stem (7x7 stride 2 -> group norm -> ReLU), 3x3 stride-2 max pool,
 *   three stages of `resnetDepths` bottleneck units (1x1 -> 3x3 -> 1x1, 4x expansion; the 2nd
 *   and 3rd stages start with stride 2), bias-free weight-standardized convs
 *   (`WeightStandardizedConv`); the 1/16 map has `16 resnetWidth` channels;
 * - ViT: 1x1 patch embedding to `hiddenSize`, learned position embedding, dropout, `numLayers`
 *   pre-norm transformer blocks (q/k/v biases, layer norm epsilon 1e-6), final layer norm;
 * - cascaded up-sampler: tokens reshaped to the 1/16 grid, 3x3 conv to `headChannels`, then 4
 *   decoder blocks (bilinear x2 -> concat CNN skip (1/8, 1/4, 1/2; `numSkips`) -> two 3x3
 *   conv -> norm -> ReLU) to `decoderFilters`, and a 3x3 conv (with bias) head.
 *
 * Differences from the reference, none of which changes the parameter count: 'same' padding in place of
 * the reference's zero-padding of the 1/4 skip after an unpadded max pool; bilinear up-sampling
 * with half-pixel centres (Keras) where the reference aligns corners; stochastic depth is
 * absent (the reference has none either).
 *
 * At the defaults on 224 x 224 x 3 with 9 classes (Synapse): 105,279,961 from `countParams()`,
 * of which 105,277,081 trainable: the reference's `sum(p.numel())` (the paper's 105M; the
 * 2,880 others are the decoder batch norms' moving statistics) ({@link transUNetParameterCount};
 * derivation in docs/parameter-counts.md).
 *
 * Layers: `resnet_root_*`, `resnet_pool`, `resnet_block{1..3}_unit{u}_*`, `vit_patch_embed`,
 * `vit_pos_embed`, `vit_embed_drop`, `vit_block{1..L}_*`, `vit_norm`, `vit_tokens`,
 * `dec_conv_more_*`, `dec{1..4}_up`, `dec{1..3}_concat`, `dec{i}_conv{1,2}_*`, `head_conv`, `head_act`.
 *
 * @returns a `tf.LayersModel` `[N, H, W, C]` -> `[N, H, W, numClasses]`.
 * @example
 * ```ts
 * import { transUNet } from 'unet-kit';
 * const model = transUNet({ inputShape: [224, 224, 3], numClasses: 9 }); // R50-ViT-B_16, 105.3M parameters
 * const small = transUNet({ inputShape: [32, 32, 1], numClasses: 2, resnetDepths: [1, 1, 1], resnetWidth: 8, hiddenSize: 32, mlpDim: 64, numHeads: 4, numLayers: 2, headChannels: 32, decoderFilters: [32, 16, 8, 4] });
 * ```
 */
export function transUNet(options: TransUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const fn = 'transUNet';
    const r = resolve(fn, options);
    const nextSeed = seedSequence(fn, 'options.seed', r.seed);
    const L = spatialLayers(2);
    const input = tfl.input({ shape: r.inputShape, name: 'input' });
    const norm = resolveNorm(r.encoderNorm, fn, 'options.encoderNorm');
    const { stem, stages } = resNetV2Encoder(input, { depths: r.resnetDepths, width: r.resnetWidth, norm, weightStandardization: r.weightStandardization, nextSeed });

    let tokens = apply(patchEmbedding({ patchSize: 1, embedDim: r.hiddenSize, flatten: true, seed: nextSeed(), name: 'vit_patch_embed' }), stages[2]!);
    tokens = apply(learnedPositionEmbedding({ seed: nextSeed(), name: 'vit_pos_embed' }), tokens);
    tokens = apply(tfl.layers.dropout({ rate: r.dropout, name: 'vit_embed_drop' }), tokens);
    for (let i = 1; i <= r.numLayers; i++) {
      tokens = transformerBlock(tokens, {
        numHeads: r.numHeads,
        mlpDim: r.mlpDim,
        dropout: r.dropout,
        attentionDropout: r.attentionDropout,
        qkvBias: true,
        epsilon: 1e-6,
        seed: nextSeed(),
        name: `vit_block${i}`,
      });
    }
    tokens = apply(layerNormalization({ epsilon: 1e-6, name: 'vit_norm' }), tokens);
    const grid = r.inputShape.slice(0, 2).map((s) => s / STRIDE);
    let x = apply(tfl.layers.reshape({ targetShape: [...grid, r.hiddenSize], name: 'vit_tokens' }), tokens);

    const conv = (y: tfl.SymbolicTensor, filters: number, name: string) =>
      convNormAct(y, filters, { spatialDims: 2, kernelSize: 3, norm: r.decoderNorm, activation: 'relu', useBias: false, seed: nextSeed(), name });
    x = conv(x, r.headChannels, 'dec_conv_more');
    const skips = [stages[1]!, stages[0]!, stem].slice(0, r.numSkips);
    r.decoderFilters.forEach((filters, i) => {
      const level = `dec${i + 1}`;
      x = apply(L.upsample({ size: 2, interpolation: 'linear', name: `${level}_up` }), x);
      const skip = skips[i];
      if (skip !== undefined) x = apply(tfl.layers.concatenate({ axis: -1, name: `${level}_concat` }), [x, skip]);
      x = conv(conv(x, filters, `${level}_conv1`), filters, `${level}_conv2`);
    });
    const logits = apply(L.conv({ filters: r.numClasses, kernelSize: 3, useBias: true, kernelInitializer: 'glorotUniform', seed: nextSeed(), name: 'head_conv' }), x);
    const output = applyOptional(createActivation(resolveActivation(r.finalActivation, fn), 2, 'head_act'), logits);
    return tfl.model({ inputs: input, outputs: output, name: r.name });
  });
}

/**
 * The parameter count of `transUNet(options)` (as `countParams()`) in closed form, without
 * building it. With `w = resnetWidth`, `C` input channels, `E = hiddenSize`, `M = mlpDim`, `T`
 * tokens (`HW / 256`), `n_e`, `n_d` weights per channel of the encoder and decoder norms
 * (group 2, batch 4), `H = headChannels`, `f_i = decoderFilters`, skips `s = [8w, 4w, w]`
 * (the first `numSkips`, else 0), `K` classes: ResNet (`resNetV2ParameterCount`: stem
 * `49 C w + n_e w`; unit with input `a`, bottleneck `m`: `a m + 13 m^2 + 6 n_e m`, the first of
 * each stage `+ 4 a m + 4 n_e m`); ViT `16 w E + E + T E + L (4 E^2 + 4 E + 2 E M + M + E + 4 E)
 * + 2 E`; decoder `9 E H + n_d H + sum_i (9 (in_i + s_i) f_i + 9 f_i^2 + 2 n_d f_i)` with
 * `in = [H, f_1, f_2, f_3]`; head `9 f_4 K + K`.
 *
 * @example
 * ```ts
 * transUNetParameterCount({ inputShape: [224, 224, 3], numClasses: 9 }); // 105_279_961
 * ```
 */
export function transUNetParameterCount(options: TransUNetOptions): number {
  const r = resolve('transUNetParameterCount', options);
  const [w, C, E, M, K] = [r.resnetWidth, r.inputShape[2]!, r.hiddenSize, r.mlpDim, r.numClasses];
  const tokens = (r.inputShape[0]! / STRIDE) * (r.inputShape[1]! / STRIDE);
  const resnet = resNetV2ParameterCount(C, w, r.resnetDepths, r.encoderNormWeights);
  const vit = 16 * w * E + E + tokens * E + r.numLayers * transformerBlockParameterCount(E, M, true) + 2 * E;
  const nd = r.decoderNormWeights;
  const skips = [8 * w, 4 * w, w, 0].map((s, i) => (i < r.numSkips ? s : 0));
  let decoder = 9 * E * r.headChannels + nd * r.headChannels;
  let inChannels = r.headChannels;
  r.decoderFilters.forEach((f, i) => {
    decoder += 9 * (inChannels + skips[i]!) * f + 9 * f * f + 2 * nd * f;
    inChannels = f;
  });
  return resnet + vit + decoder + 9 * inChannels * K + K;
}
