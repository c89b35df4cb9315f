
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumberArray,
  assertOneOf,
  assertSpatialDims,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { resolveActivation, resolveNorm, type ActivationSpec, type NormSpec } from '../layers/normActOptions.js';
import { assertLayerName, seedSequence } from '../core/naming.js';
import { OUTPUT_ACTIVATIONS, type OutputActivation } from '../core/outputActivation.js';
import type { SpatialDims } from '../layers/spatial.js';
import { nearestValidSizes } from '../ops/padding.js';
import { invalidSizeReason, validUNetSizes } from './validSizes.js';
import { DOWNSAMPLE_MODES, type DownsampleMode } from '../blocks/downsample.js';
import { UPSAMPLE_MODES, type UpsampleMode } from '../blocks/upsample.js';

/**
 * The options every architecture factory takes (one object; only `inputShape` and `numClasses`
 * are required).
 */
export interface UNetOptions {
  /**
   * Shape of one input without the batch axis, channels last: `[H, W, C]` (spatialDims 2) or
   * `[D, H, W, C]` (spatialDims 3). Spatial sizes may be `null` (any size at run time, each
   * divisible by `2^depth`); fixed sizes must be divisible by `2^depth` (see `padToMultiple`).
   * 2.5D: stack `k` adjacent slices as the `C = k` channels of a 2D net.
   */
  inputShape: ReadonlyArray<number | null>;
  /** Output channels (classes, including background for softmax). */
  numClasses: number;
  /** 2 for images, 3 for volumes. Default 2. */
  spatialDims?: SpatialDims;
  /** Channels per level, top to bottom; `filters.length - 1` poolings. Default `[32, 64, 128, 256, 512]`. */
  filters?: readonly number[];
  /** Convs per level block. Default 2. */
  convsPerLevel?: number;
  /** Normalization of every conv block. Default `'batch'`. */
  norm?: NormSpec;
  /** Activation of every conv block. Default `'relu'`. */
  activation?: ActivationSpec;
  /** Spatial dropout rate after every level block, or one rate per level (`filters.length` of them). Default 0. */
  dropout?: number | readonly number[];
  /** Up-sampling in the decoder: `'transpose' | 'nearest' | 'linear'` (`'bilinear'` / `'trilinear'`). Default `'transpose'`. */
  upsampling?: UpsampleMode;
  /** Down-sampling in the encoder: `'maxPool' | 'avgPool' | 'strided'`. Default `'maxPool'` (resUNet: `'strided'`). */
  downsampling?: DownsampleMode;
  /**
   * Bias in the block convs (heads and, unless set false, up-sampling convs always have one).
   * Default: `true` when `norm` is `'none'`, else `false`.
   */
  useBias?: boolean;
  /** Output activation. Default `numClasses > 1 ? 'softmax' : 'sigmoid'`. */
  finalActivation?: OutputActivation;
  /**
   * `true`: one output per decoder level, highest resolution first (nnU-Net's deep supervision;
   * for unetPlusPlus, the nested outputs X(0,j), the deepest first, all full resolution).
   * `'mean'` (unetPlusPlus only): one output, the mean of those. Default false.
   */
  deepSupervision?: boolean | 'mean';
  /** Seed of every weight initializer and dropout (repeatable models). Default: random. */
  seed?: number;
  /** Model name. Default: the factory's name. */
  name?: string;
}

/** Convolution padding of a {@link PlainUNetOptions} net: `'same'` keeps sizes, `'valid'` is the 2015 paper's. */
export type UNetPadding = 'same' | 'valid';

/** The options of `unet`: {@link UNetOptions} and the paper's valid padding. */
export interface PlainUNetOptions extends UNetOptions {
  /**
   * `'same'` (default): padded convs, the output has the input's size, sizes divisible by
   * `2^depth`. `'valid'`: Ronneberger et al. 2015 as published: unpadded 3x3 convs, each skip
   * centre-cropped to the decoder's size before concatenation, so the output is smaller than
   * the input by `2 * unetMargin(depth, convsPerLevel)` per axis (572 -> 388 for depth 4); fixed
   * sizes must be ones `validUNetSizes` accepts, and `null` sizes must be at run time. Predict
   * images of any size with `overlapTilePredict`.
   */
  padding?: UNetPadding;
}

/** Validated model options. */
export interface ResolvedModelOptions {
  fn: string;
  inputShape: (number | null)[];
  numClasses: number;
  spatialDims: SpatialDims;
  filters: number[];
  depth: number;
  convsPerLevel: number;
  norm: NormSpec;
  activation: ActivationSpec;
  dropout: number[];
  upsampling: UpsampleMode;
  downsampling: DownsampleMode;
  useBias: boolean | undefined;
  finalActivation: OutputActivation;
  deepSupervision: boolean | 'mean';
  padding: UNetPadding;
  name: string;
  nextSeed: () => number | undefined;
}

const KEYS = [
  'inputShape',
  'numClasses',
  'spatialDims',
  'filters',
  'convsPerLevel',
  'norm',
  'activation',
  'dropout',
  'upsampling',
  'downsampling',
  'useBias',
  'finalActivation',
  'deepSupervision',
  'seed',
  'name',
];

function checkInputShape(
  fn: string,
  inputShape: unknown,
  spatialDims: SpatialDims,
  depth: number,
  valid: { convsPerLevel: number } | undefined,
): (number | null)[] {
  const layout = spatialDims === 2 ? '[H, W, C]' : '[D, H, W, C]';
  if (!Array.isArray(inputShape) || inputShape.length !== spatialDims + 1) {
    fail(fn, 'options.inputShape', inputShape, `${layout} (${spatialDims + 1} numbers, channels last) for spatialDims ${spatialDims}`);
  }
  const channels = inputShape[spatialDims];
  if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 1) {
    fail(fn, 'options.inputShape', inputShape, `${layout} with a known channel count (a positive integer last)`);
  }
  const multiple = 2 ** depth;
  inputShape.slice(0, spatialDims).forEach((size: unknown, axis) => {
    if (size === null) return;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      fail(fn, 'options.inputShape', inputShape, `${layout} with spatial sizes that are positive integers or null (axis ${axis} is ${formatValue(size)})`);
    }
    if (valid !== undefined) {
      if (validUNetSizes(size, depth, valid.convsPerLevel)[0] !== size) {
        throw new UnetKitError(
          fn,
          'options.inputShape',
          `is ${formatValue(inputShape)}: spatial size ${size} (axis ${axis}) is not valid ${invalidSizeReason(size, depth, valid.convsPerLevel)}`,
        );
      }
      return;
    }
    if (size % multiple !== 0) {
      const valid = nearestValidSizes(size, multiple).join(' or ');
      throw new UnetKitError(
        fn,
        'options.inputShape',
        `is ${formatValue(inputShape)}: spatial size ${size} (axis ${axis}) must be divisible by ${multiple} (2^${depth} for ${depth} down-samplings); nearest valid: ${valid}, or pad the input with padToMultiple(x, ${multiple}) from 'unet-kit/data' (or use null for any size).`,
      );
    }
  });
  return [...inputShape] as (number | null)[];
}

/**
 * Validates the options of a factory and fills in the defaults.
 * `extraKeys` are the factory's own options (validated by the factory).
 */
export function resolveModelOptions(
  fn: string,
  options: unknown,
  extraKeys: readonly string[],
  defaults: { downsampling?: DownsampleMode; allowMean?: boolean; allowPadding?: boolean } = {},
): ResolvedModelOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(fn, 'options', options, 'an options object with at least inputShape and numClasses');
  }
  assertKnownKeys(fn, options, [...KEYS, ...(defaults.allowPadding === true ? ['padding'] : []), ...extraKeys]);
  const o = options as PlainUNetOptions;
  const {
    inputShape,
    numClasses,
    spatialDims = 2,
    filters = [32, 64, 128, 256, 512],
    convsPerLevel = 2,
    norm = 'batch',
    activation = 'relu',
    dropout = 0,
    upsampling = 'transpose',
    downsampling = defaults.downsampling ?? 'maxPool',
    useBias,
    deepSupervision = false,
    padding = 'same',
    seed,
    name = fn,
  } = o;
  assertSpatialDims(fn, spatialDims);
  assertInteger(fn, 'options.numClasses', numClasses, { min: 1 });
  assertNumberArray(fn, 'options.filters', filters, { min: 1, integer: true });
  if (filters.length < 2) {
    fail(fn, 'options.filters', filters, 'at least 2 levels (one down-sampling), e.g. [32, 64, 128, 256, 512]');
  }
  const depth = filters.length - 1;
  assertInteger(fn, 'options.convsPerLevel', convsPerLevel, { min: 1 });
  assertOneOf(fn, 'options.padding', padding, ['same', 'valid'] as const);
  const shape = checkInputShape(fn, inputShape, spatialDims, depth, padding === 'valid' ? { convsPerLevel } : undefined);
  resolveNorm(norm, fn);
  resolveActivation(activation, fn);
  const rates = typeof dropout === 'number' ? filters.map(() => dropout) : dropout;
  assertNumberArray(fn, 'options.dropout', rates, { min: 0, max: 1, maxExclusive: true }, filters.length);
  assertOneOf(fn, 'options.upsampling', upsampling, UPSAMPLE_MODES);
  assertOneOf(fn, 'options.downsampling', downsampling, DOWNSAMPLE_MODES);
  if (useBias !== undefined) assertBoolean(fn, 'options.useBias', useBias);
  const finalActivation = o.finalActivation ?? (numClasses > 1 ? 'softmax' : 'sigmoid');
  assertOneOf(fn, 'options.finalActivation', finalActivation, OUTPUT_ACTIVATIONS);
  if (finalActivation === 'softmax' && numClasses === 1) {
    throw new UnetKitError(fn, 'options.finalActivation', "is 'softmax' with numClasses 1, which outputs 1 everywhere; use 'sigmoid' or numClasses >= 2.");
  }
  if (deepSupervision !== 'mean') assertBoolean(fn, 'options.deepSupervision', deepSupervision);
  if (deepSupervision === 'mean' && defaults.allowMean !== true) {
    throw new UnetKitError(fn, 'options.deepSupervision', "is 'mean', which only unetPlusPlus offers (its outputs share one resolution); use true or false.");
  }
  const nextSeed = seedSequence(fn, 'options.seed', seed);
  assertLayerName(fn, 'options.name', name);
  return {
    fn,
    inputShape: shape,
    numClasses,
    spatialDims,
    filters: [...filters],
    depth,
    convsPerLevel,
    norm,
    activation,
    dropout: [...rates],
    upsampling,
    downsampling,
    useBias,
    finalActivation,
    deepSupervision,
    padding,
    name,
    nextSeed,
  };
}

