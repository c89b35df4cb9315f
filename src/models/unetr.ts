import * as tfl from '@tensorflow/tfjs-layers';
import { layerNormalization } from '../layers/layerNormalization.js';
import { assertBoolean, assertInteger, assertKnownKeys, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { type OutputActivation } from '../core/outputActivation.js';
import { seedSequence } from '../core/naming.js';
import { doubleConv } from '../blocks/doubleConv.js';
import { apply } from '../blocks/functional.js';
import { decoderLevel, fixedInputDims, resBlockParameterCount, resolveMonaiCommon } from './monaiNet.js';
import { head } from '../blocks/head.js';
import { residualBlock } from '../blocks/residualBlock.js';
import { transformerBlock, transformerBlockParameterCount } from '../blocks/transformerBlock.js';
import { type NormSpec } from '../layers/normActOptions.js';
import { patchEmbedding } from '../layers/patchEmbedding.js';
import { learnedPositionEmbedding } from '../layers/positionEmbedding.js';
import { spatialLayers, type SpatialDims } from '../layers/spatial.js';
import { guardedBuild } from './guardedBuild.js';

/** UNETR's patch side (MONAI fixes it: four x2 up-samplings bring the 1/16 grid back). */
const PATCH = 16;
/** UNETR's transformer depth (fixed in MONAI) and the blocks whose outputs feed the skips (MONAI's `hidden_states_out[3], [6], [9]`). */
const LAYERS = 12;
const SKIP_BLOCKS = [3, 6, 9];

/** Options of {@link unetr}; the defaults are MONAI's `UNETR` defaults. */
export interface UNETROptions {
  /** `[H, W, C]` or `[D, H, W, C]`, channels last; every spatial size a known multiple of 16. */
  inputShape: ReadonlyArray<number>;
  /** Output channels. */
  numClasses: number;
  /** 2 or 3. Default: `inputShape.length - 1`. */
  spatialDims?: SpatialDims;
  /** Channels of the first CNN level; the skips have 2, 4, 8 times as many. Default 16. */
  featureSize?: number;
  /** Token width of the ViT. Default 768. */
  hiddenSize?: number;
  /** MLP width of each transformer block. Default 3072. */
  mlpDim?: number;
  /** Attention heads; must divide `hiddenSize`. Default 12. */
  numHeads?: number;
  /** Normalization of the CNN blocks. Default `{ type: 'instance', affine: false }` (MONAI's `"instance"`: `nn.InstanceNorm` without affine weights). */
  norm?: NormSpec;
  /** Residual CNN blocks (MONAI `UnetResBlock`) instead of plain ones (`UnetBasicBlock`). Default true. */
  resBlock?: boolean;
  /** Conv blocks after each up-sampling of the projected skips (MONAI `conv_block`). Default true. */
  convBlock?: boolean;
  /** Dropout of the transformer (attention weights, attention output, MLP). Default 0. */
  dropout?: number;
  /** Bias on the q/k/v projections. Default false. */
  qkvBias?: boolean;
  /** Output activation. Default `numClasses > 1 ? 'softmax' : 'sigmoid'` (MONAI returns logits: `'none'`). */
  finalActivation?: OutputActivation;
  /** Seed of every initializer. Default: random. */
  seed?: number;
  /** Model name. Default `'unetr'`. */
  name?: string;
}

interface Resolved {
  inputShape: number[];
  numClasses: number;
  spatialDims: SpatialDims;
  featureSize: number;
  hiddenSize: number;
  mlpDim: number;
  numHeads: number;
  norm: NormSpec;
  normWeightsPerChannel: number;
  resBlock: boolean;
  convBlock: boolean;
  dropout: number;
  qkvBias: boolean;
  finalActivation: OutputActivation;
  name: string;
  seed: number | undefined;
}

const KEYS = ['inputShape', 'numClasses', 'spatialDims', 'featureSize', 'hiddenSize', 'mlpDim', 'numHeads', 'norm', 'resBlock', 'convBlock', 'dropout', 'qkvBias', 'finalActivation', 'seed', 'name'];

function resolve(fn: string, options: UNETROptions): Resolved {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const { inputShape, numClasses } = options;
  const spatialDims = fixedInputDims(fn, inputShape, options.spatialDims, PATCH, `the patch size ${PATCH}`);
  assertInteger(fn, 'options.numClasses', numClasses, { min: 1 });
  const { featureSize = 16, hiddenSize = 768, mlpDim = 3072, numHeads = 12, resBlock = true, convBlock = true, dropout = 0, qkvBias = false } = options;
  assertInteger(fn, 'options.featureSize', featureSize, { min: 1 });
  assertInteger(fn, 'options.hiddenSize', hiddenSize, { min: 1 });
  assertInteger(fn, 'options.mlpDim', mlpDim, { min: 1 });
  assertInteger(fn, 'options.numHeads', numHeads, { min: 1 });
  if (hiddenSize % numHeads !== 0) {
    throw new UnetKitError(fn, 'options.numHeads', `is ${numHeads}; it must divide options.hiddenSize ${hiddenSize} (each head gets hiddenSize / numHeads channels).`);
  }
  assertBoolean(fn, 'options.resBlock', resBlock);
  assertBoolean(fn, 'options.convBlock', convBlock);
  assertBoolean(fn, 'options.qkvBias', qkvBias);
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) fail(fn, 'options.dropout', dropout, 'a rate in [0, 1)');
  const { norm, normWeightsPerChannel, finalActivation, name } = resolveMonaiCommon(fn, options, numClasses, fn);
  return { inputShape: [...inputShape], numClasses, spatialDims, featureSize, hiddenSize, mlpDim, numHeads, norm, normWeightsPerChannel, resBlock, convBlock, dropout, qkvBias, finalActivation, name, seed: options.seed };
}

/**
 * UNETR (Hatamizadeh et al., "UNETR: Transformers for 3D Medical Image Segmentation", WACV
 * 2022), as MONAI's `UNETR`, 3D or 2D: a ViT encoder (16^dims patches embedded by a strided conv,
 * learned position embedding, 12 pre-norm transformer blocks, a final layer norm) whose tokens
 * after blocks 4, 7 and 10 (MONAI's `hidden_states_out[3]`, `[6]`, `[9]`) and after the final
 * norm are reshaped to the 1/16 grid and brought up by x2 transposed convs (+ conv blocks) to
 * the 1/2, 1/4 and 1/8 skips; a residual CNN block on the input gives the full-size skip; the
 * decoder is four (transposed conv x2 -> concat skip -> residual block) levels and a 1x1 head.
 * CNN blocks: conv 3 -> norm -> LeakyReLU(0.01) -> conv 3 -> norm (+ 1x1 conv + norm shortcut
 * when the width changes) -> add -> LeakyReLU; no conv biases but the head's (MONAI).
 *
 * At MONAI's defaults (feature size 16, hidden 768, MLP 3072, 12 heads, instance norm without
 * affine weights) on 1 x 96^3 input with 14 classes (BTCV): 92,784,046 parameters
 * ({@link unetrParameterCount}; derivation in docs/parameter-counts.md).
 *
 * Layers: `vit_patch_embed`, `vit_pos_embed`, `vit_block{1..12}_*`, `vit_norm`, `enc1_*`,
 * `enc{2,3,4}_proj_up`, `enc{2,3}_up{j}`, `enc{2,3}_block{j}_*`, `dec{5,4,3,2}_up`,
 * `dec{i}_concat`, `dec{i}_block_*`, `head_conv`, `head_act`.
 *
 * @returns a `tf.LayersModel` `[N, ...spatial, C]` -> `[N, ...spatial, numClasses]`.
 * @example
 * ```ts
 * import { unetr } from 'unet-kit';
 * const model = unetr({ inputShape: [96, 96, 96, 1], numClasses: 14 }); // MONAI defaults, 92.8M parameters
 * const small = unetr({ inputShape: [64, 64, 1], numClasses: 2, featureSize: 8, hiddenSize: 96, mlpDim: 192, numHeads: 4 });
 * ```
 */
export function unetr(options: UNETROptions): tfl.LayersModel {
  return guardedBuild(() => {
    const fn = 'unetr';
    const r = resolve(fn, options);
    const L = spatialLayers(r.spatialDims);
    const nextSeed = seedSequence(fn, 'options.seed', r.seed);
    const grid = r.inputShape.slice(0, -1).map((s) => s / PATCH);
    const input = tfl.input({ shape: r.inputShape, name: 'input' });

    let tokens = apply(patchEmbedding({ patchSize: PATCH, embedDim: r.hiddenSize, flatten: true, seed: nextSeed(), name: 'vit_patch_embed' }), input);
    tokens = apply(learnedPositionEmbedding({ seed: nextSeed(), name: 'vit_pos_embed' }), tokens);
    tokens = apply(tfl.layers.dropout({ rate: r.dropout, name: 'vit_embed_drop' }), tokens);
    const hidden: tfl.SymbolicTensor[] = [];
    for (let i = 1; i <= LAYERS; i++) {
      tokens = transformerBlock(tokens, { numHeads: r.numHeads, mlpDim: r.mlpDim, dropout: r.dropout, qkvBias: r.qkvBias, seed: nextSeed(), name: `vit_block${i}` });
      hidden.push(tokens);
    }
    const last = apply(layerNormalization({ epsilon: 1e-5, name: 'vit_norm' }), tokens);
    const toGrid = (t: tfl.SymbolicTensor, name: string) => apply(tfl.layers.reshape({ targetShape: [...grid, r.hiddenSize], name }), t);
    const up = (x: tfl.SymbolicTensor, filters: number, name: string) =>
      apply(L.convTranspose({ filters, kernelSize: 2, strides: 2, useBias: false, seed: nextSeed(), name }), x);
    const block = (x: tfl.SymbolicTensor, filters: number, name: string) => {
      const common = { spatialDims: r.spatialDims, norm: r.norm, activation: 'leakyRelu' as const, useBias: false, seed: nextSeed(), name };
      return r.resBlock ? residualBlock(x, filters, common) : doubleConv(x, filters, common);
    };
    const F = r.featureSize;
    const enc1 = block(input, F, 'enc1');
    const projected = (x: tfl.SymbolicTensor, level: number, ups: number) => {
      let y = up(toGrid(x, `enc${level}_tokens`), F * 2 ** (level - 1), `enc${level}_proj_up`);
      for (let j = 1; j <= ups; j++) {
        y = up(y, F * 2 ** (level - 1), `enc${level}_up${j}`);
        if (r.convBlock) y = block(y, F * 2 ** (level - 1), `enc${level}_block${j}`);
      }
      return y;
    };
    const skips = [enc1, projected(hidden[SKIP_BLOCKS[0]!]!, 2, 2), projected(hidden[SKIP_BLOCKS[1]!]!, 3, 1), projected(hidden[SKIP_BLOCKS[2]!]!, 4, 0)];
    let x = toGrid(last, 'dec5_tokens');
    for (let level = 4; level >= 1; level--) {
      const filters = F * 2 ** (level - 1);
      x = decoderLevel(L, x, skips[level - 1]!, filters, `dec${level + 1}`, nextSeed, block);
    }
    const output = head(x, r.numClasses, { spatialDims: r.spatialDims, activation: r.finalActivation, seed: nextSeed(), name: 'head' });
    return tfl.model({ inputs: input, outputs: output, name: r.name });
  });
}

/**
 * The parameter count of `unetr(options)` in closed form (docs/parameter-counts.md), without
 * building it. With `k = 3^dims`, `u = 2^dims`, `F = featureSize`, `E = hiddenSize`, `M = mlpDim`,
 * `T` tokens, `C` input channels, `K` classes and `res(a, b) = k a b + k b^2 + [a != b] a b`
 * (+ norm weights): ViT `16^dims C E + E + T E + 12 (4E^2 + 6E + 2EM + M) + 2E`; CNN
 * `res(C, F) + u E 2F + 2 (u 4F^2 + res(2F, 2F)) + u E 4F + (u 16F^2 + res(4F, 4F)) + u E 8F +
 * u E 8F + res(16F, 8F) + u 32F^2 + res(8F, 4F) + u 8F^2 + res(4F, 2F) + u 2F^2 + res(2F, F) + F K + K`.
 *
 * @example
 * ```ts
 * unetrParameterCount({ inputShape: [96, 96, 96, 1], numClasses: 14 }); // 92_784_046
 * ```
 */
export function unetrParameterCount(options: UNETROptions): number {
  const r = resolve('unetrParameterCount', options);
  const d = r.spatialDims;
  const [k, u] = [3 ** d, 2 ** d];
  const C = r.inputShape[d]!;
  const [F, E, M, K] = [r.featureSize, r.hiddenSize, r.mlpDim, r.numClasses];
  const tokens = r.inputShape.slice(0, -1).reduce((a, s) => a * (s / PATCH), 1);
  const n = r.normWeightsPerChannel;
  const unit = (a: number, b: number) =>
    r.resBlock ? resBlockParameterCount(k, n, a, b) : k * a * b + k * b * b + 2 * n * b;
  const vit = PATCH ** d * C * E + E + tokens * E + LAYERS * transformerBlockParameterCount(E, M, r.qkvBias) + 2 * E;
  const upBlock = (c: number) => u * c * c + (r.convBlock ? unit(c, c) : 0);
  const encoders = unit(C, F) + u * E * 2 * F + 2 * upBlock(2 * F) + u * E * 4 * F + upBlock(4 * F) + u * E * 8 * F;
  const decoders = u * E * 8 * F + unit(16 * F, 8 * F) + u * 8 * F * 4 * F + unit(8 * F, 4 * F) + u * 4 * F * 2 * F + unit(4 * F, 2 * F) + u * 2 * F * F + unit(2 * F, F);
  return vit + encoders + decoders + F * K + K;
}
