import { assertBoolean, assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { resolveConvBlock, unitSettings, type ConvBlockOptions } from './blockOptions.js';
import { makeConvUnit } from './convUnit.js';
import { maybeDropout, type Sym } from './functional.js';

/** Options of {@link convNormAct}. */
export interface ConvNormActOptions extends ConvBlockOptions {
  /** Stride along every spatial axis. Default 1. */
  strides?: number;
  /** Dilation along every spatial axis. Default 1. */
  dilationRate?: number;
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
 * const x = tfl.input({ shape: [null, null, 1] });
 * const y = convNormAct(x, 16, { norm: 'instance', activation: 'leakyRelu', name: 'stem' });
 * ```
 */
export function convNormAct(x: Sym, filters: number, options: ConvNormActOptions = {}): Sym {
  const fn = 'convNormAct';
  const o = resolveConvBlock(fn, x, ['filters', filters], options, 'conv_norm_act', KEYS);
  const { strides = 1, dilationRate = 1, preActivation = false } = options;
  assertInteger(fn, 'options.strides', strides, { min: 1 });
  assertInteger(fn, 'options.dilationRate', dilationRate, { min: 1 });
  assertBoolean(fn, 'options.preActivation', preActivation);
  if (strides > 1 && dilationRate > 1) {
    throw new UnetKitError(fn, 'options.dilationRate', `is ${dilationRate} with strides ${strides}; tfjs supports dilation only with strides 1.`);
  }
  const unit = makeConvUnit({ ...unitSettings(o, o.name), filters, kernelSize: o.kernelSize, strides, dilationRate, preActivation }, o.inChannels);
  return maybeDropout(o.L, unit(x), o.dropout, `${o.name}_drop`, o.nextSeed());
}
