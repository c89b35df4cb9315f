import { assertInteger, assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { resolveNormAct, unitSettings, type NormActBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { makeConvUnit } from './convUnit.js';
import { apply, type Sym } from './functional.js';

/** How {@link downsample} reduces resolution. */
export type DownsampleMode = 'maxPool' | 'avgPool' | 'strided';
/**
 * The modes {@link downsample} accepts.
 *
 * @example `DOWNSAMPLE_MODES.map((mode) => downsample(x, { mode, name: 'down_' + mode }))`
 */
export const DOWNSAMPLE_MODES: readonly DownsampleMode[] = ['maxPool', 'avgPool', 'strided'];

/** Options of {@link downsample}. */
export interface DownsampleOptions extends NormActBlockOptions {
  /** `'maxPool'` (the U-Net's), `'avgPool'` or `'strided'` (a strided conv + norm + act, as in nnU-Net). Default `'maxPool'`. */
  mode?: DownsampleMode;
  /** Reduction factor along every spatial axis. Default 2. */
  factor?: number;
  /** Output channels of a strided conv. Default: the input's. Pools keep the channels. */
  filters?: number;
  /** Kernel size of a strided conv. Default 3. */
  kernelSize?: number;
}

const KEYS = ['mode', 'factor', 'filters', 'kernelSize'];

/**
 * Reduces the spatial size by `factor` (pools: 'valid', so sizes must be divisible;
 * strided conv: 'same', size `ceil(n / factor)`).
 *
 * Layers: `${name}_pool`, or `${name}_conv`, `${name}_norm`, `${name}_act` for `'strided'`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @returns `[N, H/f, W/f, C or filters]` (or 3D).
 * @example
 * ```ts
 * const y = downsample(x, { mode: 'strided', filters: 64, name: 'enc1_down' });
 * ```
 */
export function downsample(x: Sym, options: DownsampleOptions = {}): Sym {
  const fn = 'downsample';
  const o = resolveNormAct(fn, options, 'downsample', KEYS);
  const channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  const { mode = 'maxPool', factor = 2, filters = channels, kernelSize = 3 } = options;
  assertOneOf(fn, 'options.mode', mode, DOWNSAMPLE_MODES);
  assertInteger(fn, 'options.factor', factor, { min: 1 });
  assertChannels(fn, 'options.filters', filters);
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  if (mode !== 'strided') {
    // 'valid' pooling silently drops the last rows of a size not divisible by the factor, and
    // the decoder's skip connection no longer lines up.
    const spatial = x.shape.slice(1, -1);
    const bad = spatial.findIndex((size) => size !== null && size % factor !== 0);
    if (bad >= 0) {
      throw new UnetKitError(
        fn,
        'x',
        `has spatial size ${formatValue(spatial)}, whose axis ${bad} (${spatial[bad]}) is not divisible by options.factor ${factor}; ` +
          `${mode} would drop the remainder. Pad or crop the input (padToMultiple), or use mode 'strided' (size ceil(n / factor)).`,
      );
    }
  }
  if (mode === 'maxPool') return apply(o.L.maxPool({ poolSize: factor, name: `${o.name}_pool` }), x);
  if (mode === 'avgPool') return apply(o.L.avgPool({ poolSize: factor, name: `${o.name}_pool` }), x);
  return makeConvUnit({ ...unitSettings(o, o.name), filters, kernelSize, strides: factor }, channels)(x);
}
