import { assertInteger } from '../core/assert.js';
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

/** Options of {@link doubleConv}. */
export interface DoubleConvOptions extends NormActBlockOptions {
  /** Output channels of every conv but the last. Default `filters`. */
  midFilters?: number;
  /** Number of conv units (2 makes the classic double conv). Default 2. */
  convs?: number;
  /** Kernel size. Default 3. */
  kernelSize?: number;
  /** Spatial dropout rate after the last unit. Default 0. */
  dropout?: number;
}

const KEYS = ['midFilters', 'convs', 'kernelSize', 'dropout'];

/**
 * The U-Net level block (Ronneberger et al. 2015): `convs` units of
 * `conv 3x3 -> norm -> activation`, the first `convs - 1` with `midFilters` outputs.
 * With `norm: 'none'` and the default bias it is exactly the paper's block (3x3 conv with bias
 * then ReLU, twice); 'same' padding keeps the spatial size.
 *
 * Layers: `${name}_conv1`, `${name}_norm1`, `${name}_act1`, `${name}_conv2`, ... and
 * `${name}_drop` when `dropout > 0`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels of the last conv.
 * @returns `[N, H, W, filters]` (or the 3D analogue).
 * @example
 * ```ts
 * const y = doubleConv(x, 64, { norm: 'none', name: 'enc0' }); // 2015 U-Net level 0
 * ```
 */
export function doubleConv(x: Sym, filters: number, options: DoubleConvOptions = {}): Sym {
  const fn = 'doubleConv';
  const o = resolveNormAct(fn, options, 'double_conv', KEYS);
  let channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'filters', filters);
  const { midFilters = filters, convs = 2, kernelSize = 3, dropout = 0 } = options;
  assertChannels(fn, 'options.midFilters', midFilters);
  assertInteger(fn, 'options.convs', convs, { min: 1 });
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  assertDropout(fn, dropout);
  let y = x;
  for (let i = 1; i <= convs; i++) {
    const out = i === convs ? filters : midFilters;
    y = makeConvUnit(
      {
        L: o.L,
        filters: out,
        kernelSize,
        norm: o.norm,
        activation: o.activation,
        useBias: o.useBias,
        seed: o.nextSeed(),
        names: { conv: `${o.name}_conv${i}`, norm: `${o.name}_norm${i}`, act: `${o.name}_act${i}` },
      },
      channels,
    )(y);
    channels = out;
  }
  return maybeDropout(o.L, y, dropout, `${o.name}_drop`, o.nextSeed());
}
