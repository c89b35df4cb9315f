import * as tfl from '@tensorflow/tfjs-layers';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOptionsObject,
  assertSpatialDims,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { createActivation, createNorm } from '../core/normAct.js';
import {
  resolveActivation,
  resolveNorm,
  type ActivationSpec,
  type NormSpec,
  type ResolvedActivation,
  type ResolvedNorm,
} from '../core/options.js';
import { createRng } from '../core/rng.js';
import { spatialLayers, type Layer, type SpatialDims, type SpatialLayerTable } from '../core/spatial.js';

/** A symbolic tensor of the functional (Keras) API. */
export type Sym = tfl.SymbolicTensor;

/** Applies a layer to one or more symbolic tensors, returning its one output. */
export function apply(layer: Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** Applies `layer` when it is not `null` (a `'none'` norm or activation), else returns `x`. */
export function applyOptional(layer: Layer | null, x: Sym): Sym {
  return layer === null ? x : apply(layer, x);
}

// Per-kind counters for default block names, so blocks built without `name` never clash.
const counters = new Map<string, number>();

/** A fresh default name `${kind}_${n}` (n counts per kind within this process). */
export function autoName(kind: string): string {
  const n = (counters.get(kind) ?? 0) + 1;
  counters.set(kind, n);
  return `${kind}_${n}`;
}

/**
 * Asserts `x` is a symbolic tensor of rank `spatialDims + 2` with a known channel count and
 * returns that channel count.
 */
export function assertFeatureMap(functionName: string, argument: string, x: unknown, spatialDims: SpatialDims): number {
  if (!(x instanceof tfl.SymbolicTensor)) {
    fail(functionName, argument, x, 'a tf.SymbolicTensor (the output of tf.input() or of another block)');
  }
  const rank = spatialDims + 2;
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length !== rank || channels === null || channels === undefined) {
    throw new UnetKitError(
      functionName,
      argument,
      `has shape ${formatValue(x.shape)}; expected rank ${rank} (${
        spatialDims === 2 ? '[N, H, W, C]' : '[N, D, H, W, C]'
      }, channels last and known) for spatialDims ${spatialDims}.`,
    );
  }
  return channels;
}

/** Asserts `value` is a positive integer channel count. */
export function assertChannels(functionName: string, argument: string, value: unknown): asserts value is number {
  assertNumber(functionName, argument, value, { min: 1, integer: true });
}

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
  if (seed !== undefined) assertNumber(functionName, 'options.seed', seed, { integer: true, min: 0 });
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_.\-/]+$/.test(name))) {
    fail(functionName, 'options.name', name, "a non-empty string of letters, digits, '_', '.', '-' or '/'");
  }
  const rng = seed === undefined ? undefined : createRng(seed);
  return {
    spatialDims,
    L: spatialLayers(spatialDims),
    name: name ?? autoName(kind),
    nextSeed: () => rng?.seed(),
  };
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

/** Validates a dropout rate in [0, 1). */
export function assertDropout(functionName: string, value: unknown, argument = 'options.dropout'): asserts value is number {
  assertNumber(functionName, argument, value, { min: 0, max: 1, maxExclusive: true });
}

/** Layer names of one conv unit. */
export interface ConvUnitNames {
  conv: string;
  norm: string;
  act: string;
}

/** Settings of one conv unit (conv + norm + activation). */
export interface ConvUnitConfig {
  L: SpatialLayerTable;
  filters: number;
  kernelSize: number;
  strides?: number;
  dilationRate?: number;
  norm: ResolvedNorm;
  activation: ResolvedActivation;
  useBias: boolean;
  seed: number | undefined;
  /** `norm -> act -> conv` (He et al. 2016, identity mappings) instead of `conv -> norm -> act`. */
  preActivation?: boolean;
  /** Leave the activation out (the last conv of a post-activation residual branch). */
  skipActivation?: boolean;
  /** Leave norm and activation out (the first unit of a pre-activation block on raw input). */
  skipNormAct?: boolean;
  names: ConvUnitNames;
}

/**
 * Creates the layers of one conv unit once and returns a function applying them, so a unit can
 * be applied several times with shared weights (the recurrent convs of R2U-Net).
 * `inChannels` sizes the norm of a pre-activation unit.
 */
export function makeConvUnit(config: ConvUnitConfig, inChannels: number): (x: Sym) => Sym {
  const { L, filters, norm, activation, names } = config;
  const conv = L.conv({
    filters,
    kernelSize: config.kernelSize,
    strides: config.strides ?? 1,
    dilationRate: config.dilationRate ?? 1,
    useBias: config.useBias,
    seed: config.seed,
    name: names.conv,
  });
  const withNormAct = config.skipNormAct !== true;
  const normLayer = withNormAct ? createNorm(norm, config.preActivation === true ? inChannels : filters, names.norm) : null;
  const actLayer = withNormAct && config.skipActivation !== true ? createActivation(activation, names.act) : null;
  if (config.preActivation === true) {
    return (x) => apply(conv, applyOptional(actLayer, applyOptional(normLayer, x)));
  }
  return (x) => applyOptional(actLayer, applyOptional(normLayer, apply(conv, x)));
}

/** Spatial dropout of whole feature maps after a block, when `rate > 0`. */
export function maybeDropout(L: SpatialLayerTable, x: Sym, rate: number, name: string, seed: number | undefined): Sym {
  return rate > 0 ? apply(L.spatialDropout({ rate, name, seed }), x) : x;
}
