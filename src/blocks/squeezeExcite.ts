import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertOneOf } from '../core/assert.js';
import { resolveCommon, type CommonBlockOptions } from './blockOptions.js';
import { assertFeatureMap } from './checks.js';
import { apply, type Sym } from './functional.js';

/** Which recalibration {@link squeezeExcite} applies. */
export type SqueezeExciteMode = 'cSE' | 'sSE' | 'scSE';

/** Options of {@link squeezeExcite}. */
export interface SqueezeExciteOptions extends CommonBlockOptions {
  /** `'cSE'` (channel), `'sSE'` (spatial) or `'scSE'` (both, combined). Default `'scSE'`. */
  mode?: SqueezeExciteMode;
  /** Channel reduction r of the cSE bottleneck: hidden units `max(1, floor(C / r))`. Default 16 (Hu et al.; SMP). */
  reduction?: number;
  /** How scSE combines the two recalibrated maps: `'add'` (SMP) or `'max'` (Roy et al. 2019 TMI). Default `'add'`. */
  combine?: 'add' | 'max';
}

const KEYS = ['mode', 'reduction', 'combine'];

/**
 * Squeeze-and-excitation recalibration of a feature map, keeping its shape.
 * - cSE (Hu et al. 2018): global average pool -> dense `C/r` + ReLU -> dense `C` + sigmoid,
 *   one weight per channel multiplies `x`.
 * - sSE (Roy et al. 2018): 1x1 conv to one channel + sigmoid, one weight per position.
 * - scSE (Roy et al. 2018, "Concurrent Spatial and Channel Squeeze & Excitation"): both,
 *   combined by addition (or element-wise max).
 *
 * Layers: `${name}_gap`, `${name}_fc1`, `${name}_fc2`, `${name}_reshape`, `${name}_cse`,
 * `${name}_sse_conv`, `${name}_sse_sigmoid`, `${name}_sse`, `${name}_combine`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @returns the same shape as `x`.
 * @example
 * ```ts
 * const y = squeezeExcite(x, { mode: 'scSE', reduction: 8, name: 'dec1_se' });
 * ```
 */
export function squeezeExcite(x: Sym, options: SqueezeExciteOptions = {}): Sym {
  const fn = 'squeezeExcite';
  const o = resolveCommon(fn, options, 'squeeze_excite', KEYS);
  const channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  const { mode = 'scSE', reduction = 16, combine = 'add' } = options;
  assertOneOf(fn, 'options.mode', mode, ['cSE', 'sSE', 'scSE']);
  assertInteger(fn, 'options.reduction', reduction, { min: 1 });
  assertOneOf(fn, 'options.combine', combine, ['add', 'max']);

  const channelGate = (): Sym => {
    const pooled = apply(o.L.globalAvgPool({ name: `${o.name}_gap` }), x);
    const hidden = apply(
      tfl.layers.dense({
        units: Math.max(1, Math.floor(channels / reduction)),
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: o.nextSeed() }),
        name: `${o.name}_fc1`,
      }),
      pooled,
    );
    const weights = apply(
      tfl.layers.dense({
        units: channels,
        activation: 'sigmoid',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: o.nextSeed() }),
        name: `${o.name}_fc2`,
      }),
      hidden,
    );
    const shape = [...Array.from({ length: o.spatialDims }, () => 1), channels];
    const broadcastable = apply(tfl.layers.reshape({ targetShape: shape, name: `${o.name}_reshape` }), weights);
    return apply(tfl.layers.multiply({ name: `${o.name}_cse` }), [x, broadcastable]);
  };
  const spatialGate = (): Sym => {
    const conv = o.L.conv({ filters: 1, kernelSize: 1, seed: o.nextSeed(), kernelInitializer: 'glorotUniform', name: `${o.name}_sse_conv` });
    const weights = apply(tfl.layers.activation({ activation: 'sigmoid', name: `${o.name}_sse_sigmoid` }), apply(conv, x));
    return apply(tfl.layers.multiply({ name: `${o.name}_sse` }), [x, weights]);
  };
  if (mode === 'cSE') return channelGate();
  if (mode === 'sSE') return spatialGate();
  const both = [channelGate(), spatialGate()];
  const merge = combine === 'add' ? tfl.layers.add({ name: `${o.name}_combine` }) : tfl.layers.maximum({ name: `${o.name}_combine` });
  return apply(merge, both);
}
