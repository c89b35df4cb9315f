import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertKnownKeys, assertNumberArray, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { seedSequence } from '../core/naming.js';
import { type OutputActivation } from '../core/outputActivation.js';
import { assertDropout } from '../blocks/checks.js';
import { apply, applyOptional, type Sym } from '../blocks/functional.js';
import { swinBlock, swinBlockParameterCount } from '../blocks/swinBlock.js';
import { layerNormalization } from '../layers/layerNormalization.js';
import { createActivation } from '../layers/normAct.js';
import { resolveActivation } from '../layers/normActOptions.js';
import { patchEmbedding } from '../layers/patchEmbedding.js';
import { patchExpanding } from '../layers/patchExpanding.js';
import { patchMerging } from '../layers/patchMerging.js';
import { spatialLayers } from '../layers/spatial.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveMonaiCommon } from './monaiNet.js';

/** Options of {@link swinUNet}; the defaults are the reference code's Swin-T configuration (`swin_tiny_patch4_window7_224`). */
export interface SwinUNetOptions {
  /** `[H, W, C]`, channels last; see {@link swinUNet} for the sizes that fit the patches and windows (224 at the defaults). */
  inputShape: ReadonlyArray<number>;
  /** Output channels (9 on Synapse). */
  numClasses: number;
  /** Only 2 (Swin-Unet is 2D). Default 2. */
  spatialDims?: 2;
  /** Patch side of the partition (and of the final patch expanding). Default 4. */
  patchSize?: number;
  /** Embedding width C; stage i has `C 2^i` channels. Default 96. */
  embedDim?: number;
  /** Swin blocks per encoder stage, the last being the bottleneck; the decoder mirrors the others. At least 2 stages. Default `[2, 2, 2, 2]`. */
  depths?: readonly number[];
  /** Heads per stage; each must divide its stage's width. Default `[3, 6, 12, 24]`. */
  numHeads?: readonly number[];
  /** Window side. Default 7. */
  windowSize?: number;
  /** MLP width of the Swin blocks as a multiple of their channels. Default 4. */
  mlpRatio?: number;
  /** Dropout after the embedding, the attention projection and in the MLPs (`drop_rate`). Default 0. */
  dropout?: number;
  /** Dropout on the attention weights (`attn_drop_rate`). Default 0. */
  attentionDropout?: number;
  /** Layer norm after the patch embedding (`patch_norm`). Default true. */
  patchNorm?: boolean;
  /** Output activation. Default `numClasses > 1 ? 'softmax' : 'sigmoid'` (the reference returns logits: `'none'`). */
  finalActivation?: OutputActivation;
  /** Seed of every initializer. Default: random. */
  seed?: number;
  /** Model name. Default `'swin_unet'`. */
  name?: string;
}

interface Resolved {
  inputShape: number[];
  numClasses: number;
  patchSize: number;
  embedDim: number;
  depths: number[];
  numHeads: number[];
  windowSize: number;
  mlpRatio: number;
  dropout: number;
  attentionDropout: number;
  patchNorm: boolean;
  finalActivation: OutputActivation;
  seed: number | undefined;
  name: string;
}

const KEYS = ['inputShape', 'numClasses', 'spatialDims', 'patchSize', 'embedDim', 'depths', 'numHeads', 'windowSize', 'mlpRatio', 'dropout', 'attentionDropout', 'patchNorm', 'finalActivation', 'seed', 'name'];

function resolve(fn: string, options: SwinUNetOptions): Resolved {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const { inputShape, numClasses } = options;
  if (!Array.isArray(inputShape) || inputShape.length !== 3) fail(fn, 'options.inputShape', inputShape, '[H, W, C] (channels last; Swin-Unet is 2D)');
  if (options.spatialDims !== undefined && options.spatialDims !== 2) fail(fn, 'options.spatialDims', options.spatialDims, '2 (Swin-Unet is 2D)');
  inputShape.forEach((size, axis) => assertInteger(fn, `options.inputShape[${axis}]`, size, { min: 1 }));
  assertInteger(fn, 'options.numClasses', numClasses, { min: 1 });
  const { patchSize = 4, embedDim = 96, windowSize = 7, mlpRatio = 4, dropout = 0, attentionDropout = 0, patchNorm = true } = options;
  const depths = [...(options.depths ?? [2, 2, 2, 2])];
  const numHeads = [...(options.numHeads ?? [3, 6, 12, 24])];
  assertInteger(fn, 'options.patchSize', patchSize, { min: 2 });
  assertInteger(fn, 'options.embedDim', embedDim, { min: 1 });
  assertInteger(fn, 'options.windowSize', windowSize, { min: 1 });
  assertInteger(fn, 'options.mlpRatio', mlpRatio, { min: 1 });
  if (!Array.isArray(depths) || depths.length < 2) fail(fn, 'options.depths', options.depths, 'an array of 2 or more stage depths');
  assertNumberArray(fn, 'options.depths', depths, { min: 1, integer: true });
  assertNumberArray(fn, 'options.numHeads', numHeads, { min: 1, integer: true }, depths.length);
  numHeads.forEach((h, i) => {
    const width = embedDim * 2 ** i;
    if (width % h !== 0) {
      throw new UnetKitError(fn, 'options.numHeads', `is ${formatValue(numHeads)}: stage ${i + 1} has ${width} channels (embedDim ${embedDim} x 2^${i}), which its ${h} heads must divide.`);
    }
  });
  assertSizes(fn, inputShape as number[], patchSize, depths.length, windowSize);
  assertDropout(fn, dropout);
  assertDropout(fn, attentionDropout, 'options.attentionDropout');
  assertBoolean(fn, 'options.patchNorm', patchNorm);
  const { finalActivation, name } = resolveMonaiCommon(fn, options, numClasses, 'swin_unet');
  return { inputShape: [...inputShape] as number[], numClasses, patchSize, embedDim, depths, numHeads, windowSize, mlpRatio, dropout, attentionDropout, patchNorm, finalActivation, seed: options.seed, name };
}

/**
 * Every stage grid `size / (patch 2^i)` must be whole and split into whole windows (or be no
 * larger than one window, which then shrinks to it), as the reference's asserts demand.
 */
function assertSizes(fn: string, inputShape: number[], patch: number, stages: number, window: number): void {
  const stride = patch * 2 ** (stages - 1);
  inputShape.slice(0, 2).forEach((size, axis) => {
    for (let i = 0; i < stages; i++) {
      const grid = size / (patch * 2 ** i);
      if (Number.isInteger(grid) && (grid % window === 0 || grid <= window)) continue;
      const fits = (s: number) => Array.from({ length: stages }, (_, j) => s / (patch * 2 ** j)).every((g) => Number.isInteger(g) && (g % window === 0 || g <= window));
      const valid: number[] = [];
      for (let s = stride; valid.length < 3 && s <= 64 * stride * window; s += stride) if (fits(s)) valid.push(s);
      throw new UnetKitError(
        fn,
        'options.inputShape',
        `is ${formatValue(inputShape)}: spatial size ${size} (axis ${axis}) gives stage ${i + 1} a grid of ${formatValue(grid)} (size / (patchSize ${patch} x 2^${i})), which must be a whole multiple of windowSize ${window} or at most ${window}; sizes that fit: ${valid.join(', ')}, ... (a multiple of patchSize x 2^(stages - 1) x windowSize = ${stride * window} always does).`,
      );
    }
  });
}

/**
 * Swin-Unet (Cao et al., "Swin-Unet: Unet-like Pure Transformer for Medical Image
 * Segmentation", ECCV Workshops 2022, arXiv 2105.05537), as the reference code
 * (HuCaoFighting/Swin-Unet `networks/swin_transformer_unet_skip_expand_decoder_sys.py`,
 * `SwinTransformerSys` with `final_upsample="expand_first"`), 2D:
 * - encoder: patch partition `patchSize`^2 + linear embedding to C (a strided conv with bias,
 *   then layer norm with `patchNorm`), stages of `depths[i]` Swin blocks (window attention, the
 *   odd ones shifted by `floor(windowSize / 2)`, relative position bias, q/k/v bias, MLP
 *   `mlpRatio`), each but the last followed by a patch merging (2x2 -> 4C -> layer norm ->
 *   linear 2C); the last stage is the bottleneck, then a layer norm;
 * - decoder: a patch expanding (linear 2C, pixel shuffle x2, layer norm over C/2) from the
 *   bottleneck, then per stage (deepest first) concat the encoder features of the same size,
 *   a linear 2D -> D (with bias), `depths[i]` Swin blocks and a patch expanding (but after the
 *   first stage); a layer norm, the final patch expanding x`patchSize` (linear `patchSize^2 C`,
 *   layer norm over C) and a bias-free 1x1 conv head.
 *
 * Input sizes: each stage grid `size / (patchSize 2^i)` must be whole and a multiple of
 * `windowSize`, or at most `windowSize` (the window then shrinks to the grid and is not
 * shifted, as in the reference): 224 at the defaults (grids 56, 28, 14, 7); 32 with patch 4,
 * 4 stages and window 2 (8, 4, 2, 1). Non-square grids shrink the window per axis (MONAI's rule;
 * the reference shrinks both axes to the smaller side).
 *
 * Differences from the reference, none of which changes the parameter count at the defaults:
 * stochastic depth (the reference's `drop_path_rate` 0.1) is absent; patch merging orders the
 * four offsets as MONAI (`(0,0), (0,1), (1,0), (1,1)`; the reference `(0,0), (1,0), (0,1), (1,1)`),
 * so ported merge weights need their rows permuted; a window shrunk to a smaller grid keeps the
 * full window's bias table (MONAI; the reference sizes the table to the shrunk window).
 *
 * At the defaults on 224 x 224 x 3 with 9 classes (Synapse): 27,168,900 parameters, all
 * trainable: the reference's `sum(p.numel())` (the paper's 27M) ({@link swinUNetParameterCount};
 * derivation in docs/parameter-counts.md).
 *
 * Layers: `patch_embed`, `patch_norm`, `embed_drop`, `enc{1..n-1}_block{j}_*`, `enc{i}_merge`,
 * `bottleneck_block{j}_*`, `bottleneck_norm`, `bottleneck_expand`, `dec{i}_concat`,
 * `dec{i}_linear`, `dec{i}_block{j}_*`, `dec{i}_expand`, `dec_norm`, `final_expand`,
 * `head_conv`, `head_act`.
 *
 * @returns a `tf.LayersModel` `[N, H, W, C]` -> `[N, H, W, numClasses]`.
 * @example
 * ```ts
 * import { swinUNet } from 'unet-kit';
 * const model = swinUNet({ inputShape: [224, 224, 3], numClasses: 9 }); // Swin-T, 27.2M parameters
 * const small = swinUNet({ inputShape: [32, 32, 1], numClasses: 2, embedDim: 8, numHeads: [1, 2, 2, 4], windowSize: 2 });
 * ```
 */
export function swinUNet(options: SwinUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const fn = 'swinUNet';
    const r = resolve(fn, options);
    const nextSeed = seedSequence(fn, 'options.seed', r.seed);
    const L = spatialLayers(2);
    const n = r.depths.length;
    const shift = Math.floor(r.windowSize / 2);
    const stage = (x: Sym, i: number, prefix: string) => {
      for (let j = 1; j <= r.depths[i]!; j++) {
        x = swinBlock(x, {
          numHeads: r.numHeads[i]!,
          windowSize: r.windowSize,
          shiftSize: j % 2 === 0 ? shift : 0,
          mlpRatio: r.mlpRatio,
          dropout: r.dropout,
          attentionDropout: r.attentionDropout,
          seed: nextSeed(),
          name: `${prefix}_block${j}`,
        });
      }
      return x;
    };
    const input = tfl.input({ shape: r.inputShape, name: 'input' });
    let x = apply(patchEmbedding({ patchSize: r.patchSize, embedDim: r.embedDim, seed: nextSeed(), name: 'patch_embed' }), input);
    if (r.patchNorm) x = apply(layerNormalization({ epsilon: 1e-5, name: 'patch_norm' }), x);
    x = apply(tfl.layers.dropout({ rate: r.dropout, name: 'embed_drop' }), x);
    const skips: Sym[] = [];
    for (let i = 0; i < n - 1; i++) {
      skips.push(x);
      x = apply(patchMerging({ seed: nextSeed(), name: `enc${i + 1}_merge` }), stage(x, i, `enc${i + 1}`));
    }
    x = apply(layerNormalization({ epsilon: 1e-5, name: 'bottleneck_norm' }), stage(x, n - 1, 'bottleneck'));
    x = apply(patchExpanding({ seed: nextSeed(), name: 'bottleneck_expand' }), x);
    for (let i = n - 2; i >= 0; i--) {
      const level = `dec${i + 1}`;
      x = apply(tfl.layers.concatenate({ axis: -1, name: `${level}_concat` }), [x, skips[i]!]);
      const init = tfl.initializers.truncatedNormal({ stddev: 0.02, seed: nextSeed() });
      x = stage(apply(tfl.layers.dense({ units: r.embedDim * 2 ** i, kernelInitializer: init, name: `${level}_linear` }), x), i, level);
      if (i > 0) x = apply(patchExpanding({ seed: nextSeed(), name: `${level}_expand` }), x);
    }
    x = apply(layerNormalization({ epsilon: 1e-5, name: 'dec_norm' }), x);
    x = apply(patchExpanding({ scale: r.patchSize, outputChannels: r.embedDim, seed: nextSeed(), name: 'final_expand' }), x);
    const logits = apply(L.conv({ filters: r.numClasses, kernelSize: 1, useBias: false, kernelInitializer: 'glorotUniform', seed: nextSeed(), name: 'head_conv' }), x);
    const output = applyOptional(createActivation(resolveActivation(r.finalActivation, fn), 2, 'head_act'), logits);
    return tfl.model({ inputs: input, outputs: output, name: r.name });
  });
}

/**
 * The parameter count of `swinUNet(options)` in closed form, without building it. With `p` the
 * patch, `C` input channels, `E = embedDim`, `D_i = E 2^i`, `h_i` heads, `d_i` depths, `n`
 * stages, `K` classes and `block(D, h) = (4 + 2 r) D^2 + (9 + r) D + 169 h` (window 7, MLP ratio
 * `r`; `(2w - 1)^2 h` in general): embedding `p^2 C E + E (+ 2E)`; encoder
 * `sum_i d_i block(D_i, h_i) + sum_{i<n-1} (8 D_i^2 + 8 D_i)` (mergings) `+ 2 D_{n-1}`; decoder
 * `2 D_{n-1}^2 + D_{n-1}` (first expanding) `+ sum_{i<n-1} (2 D_i^2 + D_i + d_i block(D_i, h_i))
 * + sum_{0<i<n-1} (2 D_i^2 + D_i)` (linears, blocks, expandings) `+ 2E` (norm)
 * `+ p^2 E^2 + 2E` (final expanding) `+ E K` (head).
 *
 * @example
 * ```ts
 * swinUNetParameterCount({ inputShape: [224, 224, 3], numClasses: 9 }); // 27_168_900
 * ```
 */
export function swinUNetParameterCount(options: SwinUNetOptions): number {
  const r = resolve('swinUNetParameterCount', options);
  const [p, C, E, K] = [r.patchSize, r.inputShape[2]!, r.embedDim, r.numClasses];
  const n = r.depths.length;
  const width = (i: number) => E * 2 ** i;
  const blocks = (i: number) => r.depths[i]! * swinBlockParameterCount(width(i), r.numHeads[i]!, r.windowSize, 2, r.mlpRatio);
  const expand = (D: number) => 2 * D * D + D;
  let total = p * p * C * E + E + (r.patchNorm ? 2 * E : 0);
  for (let i = 0; i < n; i++) total += blocks(i) + (i < n - 1 ? 8 * width(i) ** 2 + 8 * width(i) : 0);
  total += 2 * width(n - 1) + expand(width(n - 1));
  for (let i = n - 2; i >= 0; i--) total += 2 * width(i) ** 2 + width(i) + blocks(i) + (i > 0 ? expand(width(i)) : 0);
  return total + 2 * E + p * p * E * E + 2 * E + E * K;
}
