import { assertBoolean, assertInteger, assertOneOf } from '../core/assert.js';
import { resolveCommon, type CommonBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { apply, type Sym } from './functional.js';

/** How {@link upsample} increases resolution. */
export type UpsampleMode = 'transpose' | 'nearest' | 'linear' | 'bilinear' | 'trilinear';
/**
 * The modes {@link upsample} accepts (`'bilinear'` and `'trilinear'` are names for `'linear'`).
 *
 * @example `UPSAMPLE_MODES.map((mode) => upsample(x, { mode, name: 'up_' + mode }))`
 */
export const UPSAMPLE_MODES: readonly UpsampleMode[] = ['transpose', 'nearest', 'linear', 'bilinear', 'trilinear'];

/** Options of {@link upsample}. */
export interface UpsampleOptions extends CommonBlockOptions {
  /**
   * `'transpose'` (a learned transposed conv, the U-Net's "up-conv"), `'nearest'`, or
   * `'linear'` (`'bilinear'` in 2D, `'trilinear'` in 3D). Default `'transpose'`.
   */
  mode?: UpsampleMode;
  /** Factor along every spatial axis. Default 2. */
  factor?: number;
  /**
   * Output channels. Default: the input's. A transposed conv outputs them directly; with
   * interpolation, a 1x1 conv sets them first when they differ from the input's (MONAI's
   * `UpSample` pre-conv; it commutes with the interpolation and costs `1/factor^d` as much).
   */
  filters?: number;
  /** Kernel size of the transposed conv. Default `factor` (the paper's 2x2 up-conv). */
  kernelSize?: number;
  /** Bias in the transposed / 1x1 conv. Default true (no norm follows). */
  useBias?: boolean;
}

const KEYS = ['mode', 'factor', 'filters', 'kernelSize', 'useBias'];

/**
 * Increases the spatial size by `factor`: a transposed conv (stride `factor`), or nearest /
 * bi- / trilinear interpolation with an optional 1x1 conv to set the channels.
 * Bi- / trilinear use half-pixel centres, as Keras' `UpSampling2D` and PyTorch `align_corners=False`
 * (unet-kit's `UpSampling2D` / `UpSampling3D` layers).
 *
 * Layers: `${name}_up` (the transposed conv or the interpolation) and `${name}_up_proj` (the 1x1
 * conv of an interpolation that changes the channels).
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @returns `[N, H*f, W*f, filters]` (or 3D).
 * @example
 * ```ts
 * const up = upsample(x, { mode: 'transpose', filters: 512, name: 'dec3' }); // 1024 -> 512 channels, 2x size
 * ```
 */
export function upsample(x: Sym, options: UpsampleOptions = {}): Sym {
  const fn = 'upsample';
  const o = resolveCommon(fn, options, 'upsample', KEYS);
  const channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  const { mode = 'transpose', factor = 2, filters = channels, kernelSize = factor, useBias = true } = options;
  assertOneOf(fn, 'options.mode', mode, UPSAMPLE_MODES);
  assertInteger(fn, 'options.factor', factor, { min: 1 });
  assertChannels(fn, 'options.filters', filters);
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  assertBoolean(fn, 'options.useBias', useBias);
  if (mode === 'transpose') {
    return apply(o.L.convTranspose({ filters, kernelSize, strides: factor, useBias, seed: o.nextSeed(), name: `${o.name}_up` }), x);
  }
  let y = x;
  if (filters !== channels) {
    y = apply(o.L.conv({ filters, kernelSize: 1, useBias, seed: o.nextSeed(), name: `${o.name}_up_proj` }), y);
  }
  const interpolation = mode === 'nearest' ? 'nearest' : 'linear';
  return apply(o.L.upsample({ size: factor, interpolation, name: `${o.name}_up` }), y);
}
