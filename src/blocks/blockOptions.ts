import { assertBoolean, assertInteger, assertKnownKeys, assertOptionsObject, assertSpatialDims } from '../core/assert.js';
import { assertLayerName, seedSequence } from '../core/naming.js';
import {
  resolveActivation,
  resolveNorm,
  type ActivationSpec,
  type NormSpec,
  type ResolvedActivation,
  type ResolvedNorm,
} from '../layers/normActOptions.js';
import { spatialLayers, type SpatialDims, type SpatialLayerTable } from '../layers/spatial.js';
import { autoName } from './autoName.js';
import { assertChannels, assertDropout, assertFeatureMap } from './checks.js';

/** The options every block shares. */
export interface CommonBlockOptions {
  /** 2 for `[N, H, W, C]` images, 3 for `[N, D, H, W, C]` volumes. Default 2. */
  spatialDims?: SpatialDims;
  /** Seed of the weight initializers (each layer draws its own seed from it). Default: random. */
  seed?: number;
  /** Prefix of every layer name inside the block. Default: `${kind}_${n}`, unique per process. */
  name?: string;
}

/** {@link CommonBlockOptions} plus normalization, activation and bias. */
export interface NormActBlockOptions extends CommonBlockOptions {
  /** Normalization after each conv: `'batch' | 'instance' | 'group' | 'layer' | 'none'` or `{ type, ... }`. Default `'batch'`. */
  norm?: NormSpec;
  /** Activation: `'relu' | 'leakyRelu' | 'elu' | 'gelu' | 'swish' | ...` or `{ type, alpha }`. Default `'relu'`. */
  activation?: ActivationSpec;
  /**
   * Bias in the convolutions. Default: `true` when `norm` is `'none'`, else `false` (a bias
   * before a normalization is cancelled by its mean subtraction).
   */
  useBias?: boolean;
}

/** {@link NormActBlockOptions} plus the kernel size and output dropout of the conv blocks. */
export interface ConvBlockOptions extends NormActBlockOptions {
  /** Kernel size of the block's convs along every spatial axis (1x1 projections and bottlenecks excepted). Default 3. */
  kernelSize?: number;
  /** Spatial dropout rate (whole feature maps) on the block output, in [0, 1). Default 0. */
  dropout?: number;
}

/** Validated common options. */
export interface ResolvedCommon {
  spatialDims: SpatialDims;
  L: SpatialLayerTable;
  name: string;
  /** The next initializer seed (undefined when no seed was given: tfjs draws randomly). */
  nextSeed: () => number | undefined;
}

/** Validated {@link NormActBlockOptions}. */
export interface ResolvedNormAct extends ResolvedCommon {
  norm: ResolvedNorm;
  activation: ResolvedActivation;
  useBias: boolean;
}

const COMMON_KEYS = ['spatialDims', 'seed', 'name'];
const NORM_ACT_KEYS = [...COMMON_KEYS, 'norm', 'activation', 'useBias'];

/** Validates the options object of a block (unknown keys rejected) and its common options. */
export function resolveCommon(
  functionName: string,
  options: object | undefined,
  kind: string,
  extraKeys: readonly string[],
): ResolvedCommon {
  assertOptionsObject(functionName, options);
  assertKnownKeys(functionName, options, [...COMMON_KEYS, ...extraKeys]);
  const { spatialDims = 2, seed, name } = (options ?? {}) as CommonBlockOptions;
  assertSpatialDims(functionName, spatialDims);
  const nextSeed = seedSequence(functionName, 'options.seed', seed);
  if (name !== undefined) assertLayerName(functionName, 'options.name', name);
  return { spatialDims, L: spatialLayers(spatialDims), name: name ?? autoName(kind), nextSeed };
}

/** Like {@link resolveCommon}, also validating `norm`, `activation` and `useBias`. */
export function resolveNormAct(
  functionName: string,
  options: object | undefined,
  kind: string,
  extraKeys: readonly string[],
  defaults: { activation?: string } = {},
): ResolvedNormAct {
  const common = resolveCommon(functionName, options, kind, [...NORM_ACT_KEYS.slice(COMMON_KEYS.length), ...extraKeys]);
  const { norm = 'batch', activation = defaults.activation ?? 'relu', useBias } = (options ?? {}) as NormActBlockOptions;
  const resolvedNorm = resolveNorm(norm, functionName);
  const resolvedActivation = resolveActivation(activation, functionName);
  if (useBias !== undefined) assertBoolean(functionName, 'options.useBias', useBias);
  return { ...common, norm: resolvedNorm, activation: resolvedActivation, useBias: useBias ?? resolvedNorm.type === 'none' };
}

/** Validated {@link ConvBlockOptions} and the block input's channel count. */
export interface ResolvedConvBlock extends ResolvedNormAct {
  /** Channels of the block input `x`. */
  inChannels: number;
  kernelSize: number;
  dropout: number;
}

/**
 * The common front of the conv blocks: validates the options object (unknown keys against
 * `keys`, which must list `kernelSize` and `dropout`), norm, activation and bias, the input
 * feature map `x`, the block's channel count (`channels`, named `argument` in errors),
 * `kernelSize` (default 3) and `dropout` (default 0).
 */
export function resolveConvBlock(
  functionName: string,
  x: unknown,
  [argument, channels]: [string, unknown],
  options: ConvBlockOptions | undefined,
  kind: string,
  keys: readonly string[],
): ResolvedConvBlock {
  const o = resolveNormAct(functionName, options, kind, keys);
  const inChannels = assertFeatureMap(functionName, 'x', x, o.spatialDims);
  assertChannels(functionName, argument, channels);
  const { kernelSize = 3, dropout = 0 } = options ?? {};
  assertInteger(functionName, 'options.kernelSize', kernelSize, { min: 1 });
  assertDropout(functionName, dropout);
  return { ...o, inChannels, kernelSize, dropout };
}

/**
 * The {@link ConvUnitConfig} fields a block's resolved options fix: layer table, norm,
 * activation, bias, the next initializer seed, and the layer names `${prefix}_conv${suffix}`,
 * `${prefix}_norm${suffix}`, `${prefix}_act${suffix}`.
 */
export function unitSettings(o: ResolvedNormAct, prefix: string, suffix: string | number = '') {
  return {
    L: o.L,
    norm: o.norm,
    activation: o.activation,
    useBias: o.useBias,
    seed: o.nextSeed(),
    names: { conv: `${prefix}_conv${suffix}`, norm: `${prefix}_norm${suffix}`, act: `${prefix}_act${suffix}` },
  };
}

