import { assertBoolean, assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import {
  assertChannels,
  assertDropout,
  assertFeatureMap,
  makeConvUnit,
  maybeDropout,
  resolveNormAct,
  type NormActBlockOptions,
  type Sym,
} from './internal.js';

/** Options of {@link convNormAct}. */
export interface ConvNormActOptions extends NormActBlockOptions {
  /** Kernel size along every spatial axis. Default 3. */
  kernelSize?: number;
  /** Stride along every spatial axis. Default 1. */
  strides?: number;
  /** Dilation along every spatial axis. Default 1. */
  dilationRate?: number;
  /** Spatial dropout rate (whole feature maps) after the activation. Default 0. */
  dropout?: number;
  /** `norm -> activation -> conv` (pre-activation, He et al. 2016) instead of `conv -> norm -> activation`. Default false. */
  preActivation?: boolean;
}

const KEYS = ['kernelSize', 'strides', 'dilationRate', 'dropout', 'preActivation'];

/**
 * One convolution with normalization and activation, the unit every other block is made of:
 * `conv -> norm -> activation [-> spatial dropout]` (or `norm -> activation -> conv` with
 * `preActivation`). 'same' padding, so the spatial size is divided by `strides` (rounded up).
 *
 * Layers: `${name}_conv`, `${name}_norm`, `${name}_act`, `${name}_drop` (norm, activation and
 * dropout only when present).
 *
 * @param x - `[N, H, W, C]` (spatialDims 2) or `[N, D, H, W, C]` (spatialDims 3).
 * @param filters - output channels.
 * @returns `[N, H/s, W/s, filters]` (or the 3D analogue).
 * @example
 * ```ts
 * const x = tf.input({ shape: [null, null, 1] });
 * const y = convNormAct(x, 16, { norm: 'instance', activation: 'leakyRelu', name: 'stem' });
 * ```
 */
export function convNormAct(x: Sym, filters: number, options: ConvNormActOptions = {}): Sym {
  const fn = 'convNormAct';
  const o = resolveNormAct(fn, options, 'conv_norm_act', KEYS);
  const inChannels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'filters', filters);
  const { kernelSize = 3, strides = 1, dilationRate = 1, dropout = 0, preActivation = false } = options;
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  assertInteger(fn, 'options.strides', strides, { min: 1 });
  assertInteger(fn, 'options.dilationRate', dilationRate, { min: 1 });
  assertDropout(fn, dropout);
  assertBoolean(fn, 'options.preActivation', preActivation);
  if (strides > 1 && dilationRate > 1) {
    throw new UnetKitError(fn, 'options.dilationRate', `is ${dilationRate} with strides ${strides}; tfjs supports dilation only with strides 1.`);
  }
  const unit = makeConvUnit(
    {
      L: o.L,
      filters,
      kernelSize,
      strides,
      dilationRate,
      norm: o.norm,
      activation: o.activation,
      useBias: o.useBias,
      seed: o.nextSeed(),
      preActivation,
      names: { conv: `${o.name}_conv`, norm: `${o.name}_norm`, act: `${o.name}_act` },
    },
    inChannels,
  );
  return maybeDropout(o.L, unit(x), dropout, `${o.name}_drop`, o.nextSeed());
}
