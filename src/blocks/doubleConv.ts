import { assertInteger, assertOneOf } from '../core/assert.js';
import { resolveConvBlock, unitSettings, type ConvBlockOptions } from './blockOptions.js';
import { assertChannels } from './checks.js';
import { makeConvUnit } from './convUnit.js';
import { maybeDropout, type Sym } from './functional.js';

/** Options of {@link doubleConv}. */
export interface DoubleConvOptions extends ConvBlockOptions {
  /** Output channels of every conv but the last. Default `filters`. */
  midFilters?: number;
  /** Number of conv units (2 makes the classic double conv). Default 2. */
  convs?: number;
  /**
   * `'same'` (default) keeps the spatial size; `'valid'` pads nothing, as the 2015 paper, so each
   * conv removes `kernelSize - 1` positions per axis (3x3: 2 per conv, 4 for the double conv).
   */
  padding?: 'same' | 'valid';
}

const KEYS = ['midFilters', 'convs', 'kernelSize', 'dropout', 'padding'];

/**
 * The U-Net level block (Ronneberger et al. 2015): `convs` units of
 * `conv 3x3 -> norm -> activation`, the first `convs - 1` with `midFilters` outputs.
 * With `norm: 'none'` and the default bias it is exactly the paper's block (3x3 conv with bias
 * then ReLU, twice); 'same' padding keeps the spatial size, `padding: 'valid'` is the paper's
 * unpadded conv (a 3x3 double conv maps 572 to 568).
 *
 * Layers: `${name}_conv1`, `${name}_norm1`, `${name}_act1`, `${name}_conv2`, ... and
 * `${name}_drop` when `dropout > 0`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels of the last conv.
 * @returns `[N, H, W, filters]` (or the 3D analogue); with 'valid', `H - convs * (kernelSize - 1)`.
 * @example
 * ```ts
 * const y = doubleConv(x, 64, { norm: 'none', name: 'enc0' }); // 2015 U-Net level 0
 * ```
 */
export function doubleConv(x: Sym, filters: number, options: DoubleConvOptions = {}): Sym {
  const fn = 'doubleConv';
  const o = resolveConvBlock(fn, x, ['filters', filters], options, 'double_conv', KEYS);
  const { midFilters = filters, convs = 2, padding = 'same' } = options;
  assertChannels(fn, 'options.midFilters', midFilters);
  assertInteger(fn, 'options.convs', convs, { min: 1 });
  assertOneOf(fn, 'options.padding', padding, ['same', 'valid']);
  let y = x;
  let channels = o.inChannels;
  for (let i = 1; i <= convs; i++) {
    const out = i === convs ? filters : midFilters;
    y = makeConvUnit({ ...unitSettings(o, o.name, i), filters: out, kernelSize: o.kernelSize, padding }, channels)(y);
    channels = out;
  }
  return maybeDropout(o.L, y, o.dropout, `${o.name}_drop`, o.nextSeed());
}
