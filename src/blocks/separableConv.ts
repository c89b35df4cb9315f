import { assertBoolean, assertInteger } from '../core/assert.js';
import { createActivation, createNorm } from '../layers/normAct.js';
import { depthwiseConv } from './depthwise.js';
import { resolveNormAct, type NormActBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { apply, applyOptional, type Sym } from './functional.js';

/** Options of {@link separableConv}. */
export interface SeparableConvOptions extends NormActBlockOptions {
  /** Depthwise kernel size. Default 3. */
  kernelSize?: number;
  /** Depthwise stride. Default 1. */
  strides?: number;
  /** Depthwise outputs per input channel. Default 1. */
  depthMultiplier?: number;
  /** Norm and activation between the depthwise and the pointwise conv (MobileNetV1 style). Default false (Xception / Keras SeparableConv style). */
  depthwiseNormAct?: boolean;
}

const KEYS = ['kernelSize', 'strides', 'depthMultiplier', 'depthwiseNormAct'];

/**
 * A depthwise-separable convolution (Chollet 2017; Howard et al. 2017): a depthwise conv (one
 * filter per channel) then a 1x1 pointwise conv to `filters`, then norm and activation.
 * About `k^d * C + C * filters` weights instead of `k^d * C * filters`.
 *
 * 3D: tfjs has no depthwise 3D conv, so the depthwise step is factorized into three 1-D
 * depthwise convs along W, H and D (a rank-1 `k x k x k` kernel per channel, 3k weights;
 * see `depthwiseConv`), built from stock `DepthwiseConv2D`, `Reshape` and `Permute` layers so
 * the model still saves and loads; this needs known spatial sizes.
 * Dilation is not offered: tfjs' DepthwiseConv2D silently ignores it.
 *
 * Layers: `${name}_dw` (3D: `${name}_dw_w`, `_dw_h`, `_dw_d` and views), `${name}_dw_norm`,
 * `${name}_dw_act` (with `depthwiseNormAct`), `${name}_pw`, `${name}_norm`, `${name}_act`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels.
 * @returns `[N, H/s, W/s, filters]` (or 3D).
 * @example
 * ```ts
 * const y = separableConv(x, 32, { strides: 2, name: 'down1' });
 * ```
 */
export function separableConv(x: Sym, filters: number, options: SeparableConvOptions = {}): Sym {
  const fn = 'separableConv';
  const o = resolveNormAct(fn, options, 'separable_conv', KEYS);
  const channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'filters', filters);
  const { kernelSize = 3, strides = 1, depthMultiplier = 1, depthwiseNormAct = false } = options;
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  assertInteger(fn, 'options.strides', strides, { min: 1 });
  assertInteger(fn, 'options.depthMultiplier', depthMultiplier, { min: 1 });
  assertBoolean(fn, 'options.depthwiseNormAct', depthwiseNormAct);
  let y = depthwiseConv(x, {
    spatialDims: o.spatialDims,
    kernelSize,
    strides,
    depthMultiplier,
    useBias: depthwiseNormAct ? o.useBias : false,
    nextSeed: o.nextSeed,
    name: `${o.name}_dw`,
    caller: fn,
  });
  if (depthwiseNormAct) {
    y = applyOptional(createNorm(o.norm, channels * depthMultiplier, `${o.name}_dw_norm`), y);
    y = applyOptional(createActivation(o.activation, o.spatialDims, `${o.name}_dw_act`), y);
  }
  y = apply(o.L.conv({ filters, kernelSize: 1, useBias: o.useBias, seed: o.nextSeed(), name: `${o.name}_pw` }), y);
  y = applyOptional(createNorm(o.norm, filters, `${o.name}_norm`), y);
  return applyOptional(createActivation(o.activation, o.spatialDims, `${o.name}_act`), y);
}
