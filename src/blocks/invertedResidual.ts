import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber } from '../core/assert.js';
import { createActivation, createNorm } from '../layers/normAct.js';
import { depthwiseConv } from './depthwise.js';
import { resolveNormAct, type NormActBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { apply, applyOptional, type Sym } from './functional.js';

/** Options of {@link invertedResidual}. */
export interface InvertedResidualOptions extends NormActBlockOptions {
  /** Expansion factor t: the hidden width is `round(C_in * t)`. Default 6 (MobileNetV2). */
  expansion?: number;
  /** Depthwise stride. Default 1. */
  strides?: number;
  /** Depthwise kernel size. Default 3. */
  kernelSize?: number;
}

const KEYS = ['expansion', 'strides', 'kernelSize'];

/**
 * The inverted residual (bottleneck) block of MobileNetV2 (Sandler et al. 2018):
 * `1x1 expand -> norm -> act -> depthwise kxk (stride) -> norm -> act -> 1x1 project -> norm`
 * (linear bottleneck: no activation after the projection), plus the input when the stride is 1
 * and the channel counts match. The activation defaults to `'relu6'` as in the paper.
 * With `expansion: 1` the expand conv is left out (the paper's first block).
 * 3D uses the factorized depthwise conv described at {@link separableConv}.
 *
 * Layers: `${name}_expand`, `${name}_expand_norm`, `${name}_expand_act`, `${name}_dw` (3D:
 * `${name}_dw_w`, ...), `${name}_dw_norm`, `${name}_dw_act`, `${name}_project`,
 * `${name}_project_norm`, `${name}_add`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels.
 * @returns `[N, H/s, W/s, filters]` (or 3D).
 * @example
 * ```ts
 * const y = invertedResidual(x, 24, { expansion: 6, strides: 2, name: 'enc1' });
 * ```
 */
export function invertedResidual(x: Sym, filters: number, options: InvertedResidualOptions = {}): Sym {
  const fn = 'invertedResidual';
  const o = resolveNormAct(fn, options, 'inverted_residual', KEYS, { activation: 'relu6' });
  const inChannels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'filters', filters);
  const { expansion = 6, strides = 1, kernelSize = 3 } = options;
  assertNumber(fn, 'options.expansion', expansion, { min: 1 });
  assertInteger(fn, 'options.strides', strides, { min: 1 });
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  const hidden = Math.max(1, Math.round(inChannels * expansion));
  let y = x;
  if (expansion !== 1) {
    y = apply(o.L.conv({ filters: hidden, kernelSize: 1, useBias: o.useBias, seed: o.nextSeed(), name: `${o.name}_expand` }), y);
    y = applyOptional(createNorm(o.norm, hidden, `${o.name}_expand_norm`), y);
    y = applyOptional(createActivation(o.activation, o.spatialDims, `${o.name}_expand_act`), y);
  }
  const dwChannels = expansion !== 1 ? hidden : inChannels;
  y = depthwiseConv(y, {
    spatialDims: o.spatialDims,
    kernelSize,
    strides,
    depthMultiplier: 1,
    useBias: o.useBias,
    nextSeed: o.nextSeed,
    name: `${o.name}_dw`,
    caller: fn,
  });
  y = applyOptional(createNorm(o.norm, dwChannels, `${o.name}_dw_norm`), y);
  y = applyOptional(createActivation(o.activation, o.spatialDims, `${o.name}_dw_act`), y);
  y = apply(o.L.conv({ filters, kernelSize: 1, useBias: o.useBias, seed: o.nextSeed(), name: `${o.name}_project` }), y);
  y = applyOptional(createNorm(o.norm, filters, `${o.name}_project_norm`), y);
  if (strides === 1 && inChannels === filters) y = apply(tfl.layers.add({ name: `${o.name}_add` }), [x, y]);
  return y;
}
