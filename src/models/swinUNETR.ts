import * as tfl from '@tensorflow/tfjs-layers';
import { layerNormalization } from '../layers/layerNormalization.js';
import { assertBoolean, assertInteger, assertKnownKeys, assertNumberArray, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { seedSequence } from '../core/naming.js';
import { type OutputActivation } from '../core/outputActivation.js';
import { apply } from '../blocks/functional.js';
import { decoderLevel, fixedInputDims, resBlockParameterCount, resolveMonaiCommon } from './monaiNet.js';
import { head } from '../blocks/head.js';
import { residualBlock } from '../blocks/residualBlock.js';
import { swinBlock, swinBlockParameterCount } from '../blocks/swinBlock.js';
import { type NormSpec } from '../layers/normActOptions.js';
import { patchEmbedding } from '../layers/patchEmbedding.js';
import { patchMerging } from '../layers/patchMerging.js';
import { spatialLayers, type SpatialDims } from '../layers/spatial.js';
import { guardedBuild } from './guardedBuild.js';

/** Patch side of SwinUNETR (fixed in MONAI) and its five halvings (patch + four mergings). */
const PATCH = 2;
const MULTIPLE = 32;

/** Options of {@link swinUNETR}; the defaults are MONAI's `SwinUNETR` defaults. */
export interface SwinUNETROptions {
  /** `[H, W, C]` or `[D, H, W, C]`, channels last; every spatial size a known multiple of 32. */
  inputShape: ReadonlyArray<number>;
  /** Output channels. */
  numClasses: number;
  /** 2 or 3. Default: `inputShape.length - 1`. */
  spatialDims?: SpatialDims;
  /** Embedding width; stage i has `featureSize * 2^i` channels. Default 24 (MONAI; the paper uses 48). */
  featureSize?: number;
  /** Swin blocks per stage (4 stages). Default `[2, 2, 2, 2]`. */
  depths?: readonly number[];
  /** Heads per stage; each must divide its stage's width. Default `[3, 6, 12, 24]`. */
  numHeads?: readonly number[];
  /** Window side. Default 7. */
  windowSize?: number;
  /** Normalization of the CNN blocks. Default `{ type: 'instance', affine: false }` (MONAI's `"instance"`). */
  norm?: NormSpec;
  /** Dropout in the Swin blocks (MONAI `drop_rate`). Default 0. */
  dropout?: number;
  /** Dropout on the attention weights (MONAI `attn_drop_rate`). Default 0. */
  attentionDropout?: number;
  /** Layer-normalize (without weights) each Swin stage output before the decoder (MONAI `normalize`). Default true. */
  normalize?: boolean;
  /** Output activation. Default `numClasses > 1 ? 'softmax' : 'sigmoid'` (MONAI returns logits: `'none'`). */
  finalActivation?: OutputActivation;
  /** Seed of every initializer. Default: random. */
  seed?: number;
  /** Model name. Default `'swin_unetr'`. */
  name?: string;
}

interface Resolved {
  inputShape: number[];
  numClasses: number;
  spatialDims: SpatialDims;
  featureSize: number;
  depths: number[];
  numHeads: number[];
  windowSize: number;
  norm: NormSpec;
  normWeightsPerChannel: number;
  dropout: number;
  attentionDropout: number;
  normalize: boolean;
  finalActivation: OutputActivation;
  name: string;
  seed: number | undefined;
}

const KEYS = ['inputShape', 'numClasses', 'spatialDims', 'featureSize', 'depths', 'numHeads', 'windowSize', 'norm', 'dropout', 'attentionDropout', 'normalize', 'finalActivation', 'seed', 'name'];

function resolve(fn: string, options: SwinUNETROptions): Resolved {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const { inputShape, numClasses } = options;
  const spatialDims = fixedInputDims(fn, inputShape, options.spatialDims, MULTIPLE, `${MULTIPLE} (patch 2 and four patch mergings)`);
  assertInteger(fn, 'options.numClasses', numClasses, { min: 1 });
  const { featureSize = 24, windowSize = 7, dropout = 0, attentionDropout = 0, normalize = true } = options;
  const depths = [...(options.depths ?? [2, 2, 2, 2])];
  const numHeads = [...(options.numHeads ?? [3, 6, 12, 24])];
  assertInteger(fn, 'options.featureSize', featureSize, { min: 1 });
  assertNumberArray(fn, 'options.depths', depths, { min: 1, integer: true }, 4);
  assertNumberArray(fn, 'options.numHeads', numHeads, { min: 1, integer: true }, 4);
  assertInteger(fn, 'options.windowSize', windowSize, { min: 1 });
  numHeads.forEach((h, i) => {
    const width = featureSize * 2 ** i;
    if (width % h !== 0) {
      throw new UnetKitError(fn, 'options.featureSize', `is ${featureSize}: stage ${i + 1} has ${width} channels, which its ${h} heads (options.numHeads[${i}]) must divide; with the default heads [3, 6, 12, 24] use a multiple of 12 (MONAI's rule).`);
    }
  });
  for (const [argument, rate] of [['options.dropout', dropout], ['options.attentionDropout', attentionDropout]] as const) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) fail(fn, argument, rate, 'a rate in [0, 1)');
  }
  assertBoolean(fn, 'options.normalize', normalize);
  const { norm, normWeightsPerChannel, finalActivation, name } = resolveMonaiCommon(fn, options, numClasses, 'swin_unetr');
  return { inputShape: [...inputShape], numClasses, spatialDims, featureSize, depths, numHeads, windowSize, norm, normWeightsPerChannel, dropout, attentionDropout, normalize, finalActivation, name, seed: options.seed };
}

/**
 * Swin UNETR (Hatamizadeh et al., "Swin UNETR: Swin Transformers for Semantic Segmentation of
 * Brain Tumors in MRI Images", BrainLes 2021), as MONAI's `SwinUNETR` (v1), 3D or 2D: a Swin
 * encoder (patch 2 embedding conv, four stages of `depths[i]` Swin blocks alternating plain and
 * shifted windows (shift `floor(w / 2)`), each stage ending in a patch merging) whose five outputs
 * (embedding and stages, weight-free layer norm with `normalize`) feed residual CNN blocks at
 * 1/2 .. 1/32; the decoder is five (transposed conv x2 -> concat skip -> residual block) levels,
 * the last with the residual block on the input, and a 1x1 head. Residual blocks as in
 * {@link unetr} (conv 3, norm, LeakyReLU 0.01, bias-free). Windows larger than a stage, and the
 * padding of sizes that are not a multiple of the window, follow MONAI (see `WindowAttention`).
 *
 * Parameters on 1 x 96^3 with 14 classes: 62,187,296 at feature size 48 (the paper's), 15,703,304
 * at MONAI's default 24 ({@link swinUNETRParameterCount}; derivation in docs/parameter-counts.md).
 *
 * Layers: `swin_patch_embed`, `swin_stage{1..4}_block{j}_*`, `swin_stage{i}_merge`,
 * `swin_out{0..4}`, `enc{0,1,2,3}_*`, `enc10_*`, `dec{5..1}_up`, `dec{i}_concat`,
 * `dec{i}_block_*`, `head_conv`, `head_act`.
 *
 * @returns a `tf.LayersModel` `[N, ...spatial, C]` -> `[N, ...spatial, numClasses]`.
 * @example
 * ```ts
 * import { swinUNETR } from 'unet-kit';
 * const model = swinUNETR({ inputShape: [96, 96, 96, 4], numClasses: 3, featureSize: 48 }); // BraTS
 * ```
 */
export function swinUNETR(options: SwinUNETROptions): tfl.LayersModel {
  return guardedBuild(() => {
    const fn = 'swinUNETR';
    const r = resolve(fn, options);
    const L = spatialLayers(r.spatialDims);
    const nextSeed = seedSequence(fn, 'options.seed', r.seed);
    const F = r.featureSize;
    const input = tfl.input({ shape: r.inputShape, name: 'input' });
    const out = (x: tfl.SymbolicTensor, i: number) =>
      r.normalize ? apply(layerNormalization({ epsilon: 1e-5, center: false, scale: false, name: `swin_out${i}` }), x) : x;

    let x = apply(patchEmbedding({ patchSize: PATCH, embedDim: F, seed: nextSeed(), name: 'swin_patch_embed' }), input);
    x = apply(tfl.layers.dropout({ rate: r.dropout, name: 'swin_embed_drop' }), x);
    const hidden = [out(x, 0)];
    r.depths.forEach((depth, i) => {
      for (let j = 1; j <= depth; j++) {
        x = swinBlock(x, {
          numHeads: r.numHeads[i]!,
          windowSize: r.windowSize,
          shiftSize: j % 2 === 0 ? Math.floor(r.windowSize / 2) : 0,
          dropout: r.dropout,
          attentionDropout: r.attentionDropout,
          seed: nextSeed(),
          name: `swin_stage${i + 1}_block${j}`,
        });
      }
      x = apply(patchMerging({ seed: nextSeed(), name: `swin_stage${i + 1}_merge` }), x);
      hidden.push(out(x, i + 1));
    });

    const block = (y: tfl.SymbolicTensor, filters: number, name: string) =>
      residualBlock(y, filters, { spatialDims: r.spatialDims, norm: r.norm, activation: 'leakyRelu', useBias: false, seed: nextSeed(), name });
    const enc0 = block(input, F, 'enc0');
    const enc1 = block(hidden[0]!, F, 'enc1');
    const enc2 = block(hidden[1]!, 2 * F, 'enc2');
    const enc3 = block(hidden[2]!, 4 * F, 'enc3');
    let y = block(hidden[4]!, 16 * F, 'enc10');
    const skips: [tfl.SymbolicTensor, number, string][] = [
      [hidden[3]!, 8 * F, 'dec5'],
      [enc3, 4 * F, 'dec4'],
      [enc2, 2 * F, 'dec3'],
      [enc1, F, 'dec2'],
      [enc0, F, 'dec1'],
    ];
    for (const [skip, filters, name] of skips) y = decoderLevel(L, y, skip, filters, name, nextSeed, block);
    const output = head(y, r.numClasses, { spatialDims: r.spatialDims, activation: r.finalActivation, seed: nextSeed(), name: 'head' });
    return tfl.model({ inputs: input, outputs: output, name: r.name });
  });
}

/**
 * The parameter count of `swinUNETR(options)` in closed form (docs/parameter-counts.md). With
 * `k = 3^dims`, `u = 2^dims`, `F` the feature size, `C` input channels, `K` classes, `R = (2w - 1)^dims`
 * and `res(a, b) = k a b + k b^2 + [a != b] a b` (+ norm weights): patch embedding `u C F + F`;
 * stage i (`D = 2^i F`, `h` heads) `depths[i] (12 D^2 + 13 D + R h) + 2 u D + 2 u D^2` (blocks and
 * merging); CNN `res(C, F) + res(F, F) + res(2F, 2F) + res(4F, 4F) + res(16F, 16F)` and decoders
 * `u 128 F^2 + res(16F, 8F) + u 32F^2 + res(8F, 4F) + u 8F^2 + res(4F, 2F) + u 2F^2 + res(2F, F) +
 * u F^2 + res(2F, F)`, head `F K + K`.
 *
 * @example
 * ```ts
 * swinUNETRParameterCount({ inputShape: [96, 96, 96, 1], numClasses: 14, featureSize: 48 }); // 62_187_296
 * ```
 */
export function swinUNETRParameterCount(options: SwinUNETROptions): number {
  const r = resolve('swinUNETRParameterCount', options);
  const d = r.spatialDims;
  const [k, u] = [3 ** d, 2 ** d];
  const C = r.inputShape[d]!;
  const [F, K] = [r.featureSize, r.numClasses];
  const n = r.normWeightsPerChannel;
  const res = (a: number, b: number) => resBlockParameterCount(k, n, a, b);
  let swin = u * C * F + F;
  r.depths.forEach((depth, i) => {
    const D = F * 2 ** i;
    swin += depth * swinBlockParameterCount(D, r.numHeads[i]!, r.windowSize, d) + 2 * u * D + u * D * 2 * D;
  });
  const encoders = res(C, F) + res(F, F) + res(2 * F, 2 * F) + res(4 * F, 4 * F) + res(16 * F, 16 * F);
  const decoders =
    u * 16 * F * 8 * F + res(16 * F, 8 * F) + u * 8 * F * 4 * F + res(8 * F, 4 * F) + u * 4 * F * 2 * F + res(4 * F, 2 * F) + u * 2 * F * F + res(2 * F, F) + u * F * F + res(2 * F, F);
  return swin + encoders + decoders + F * K + K;
}
