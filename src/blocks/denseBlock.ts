import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger } from '../core/assert.js';
import { resolveConvBlock, unitSettings, type ConvBlockOptions } from './blockOptions.js';
import { makeConvUnit } from './convUnit.js';
import { apply, maybeDropout, type Sym } from './functional.js';

/** Options of {@link denseBlock}. */
export interface DenseBlockOptions extends ConvBlockOptions {
  /** Number of dense layers. Default 4. */
  layers?: number;
  /** DenseNet-B bottleneck: a `norm -> act -> 1x1 conv` to `4 * growthRate` before each 3x3. Default false. */
  bottleneck?: boolean;
  /** Spatial dropout after each growth conv (DenseNet places dropout there), not on the block output. Default 0. */
  dropout?: number;
}

const KEYS = ['layers', 'bottleneck', 'kernelSize', 'dropout'];

/**
 * A dense block (Huang et al. 2017, DenseNet): `layers` pre-activation units
 * `norm -> act -> conv kxk` each producing `growthRate` channels from the concatenation of the
 * block input and every earlier unit's output. Output channels: `C + layers * growthRate`.
 *
 * Layers: `${name}_l${i}_norm`, `${name}_l${i}_act`, `${name}_l${i}_conv` (and
 * `${name}_l${i}_bnorm`, `_bact`, `_bconv` with `bottleneck`), `${name}_l${i}_drop`,
 * `${name}_concat${i}`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param growthRate - channels each unit adds.
 * @returns `[N, H, W, C + layers * growthRate]` (or 3D).
 * @example
 * ```ts
 * const y = denseBlock(x, 12, { layers: 4, name: 'enc1_dense' }); // C -> C + 48
 * ```
 */
export function denseBlock(x: Sym, growthRate: number, options: DenseBlockOptions = {}): Sym {
  const fn = 'denseBlock';
  const o = resolveConvBlock(fn, x, ['growthRate', growthRate], options, 'dense_block', KEYS);
  const { layers = 4, bottleneck = false } = options;
  assertInteger(fn, 'options.layers', layers, { min: 1 });
  assertBoolean(fn, 'options.bottleneck', bottleneck);
  let channels = o.inChannels;
  let features = x;
  for (let i = 1; i <= layers; i++) {
    const p = `${o.name}_l${i}`;
    let h = features;
    let hChannels = channels;
    if (bottleneck) {
      h = makeConvUnit(
        { ...unitSettings(o, p), filters: 4 * growthRate, kernelSize: 1, preActivation: true, names: { conv: `${p}_bconv`, norm: `${p}_bnorm`, act: `${p}_bact` } },
        hChannels,
      )(h);
      hChannels = 4 * growthRate;
    }
    h = makeConvUnit({ ...unitSettings(o, p), filters: growthRate, kernelSize: o.kernelSize, preActivation: true }, hChannels)(h);
    h = maybeDropout(o.L, h, o.dropout, `${p}_drop`, o.nextSeed());
    features = apply(tfl.layers.concatenate({ axis: -1, name: `${o.name}_concat${i}` }), [features, h]);
    channels += growthRate;
  }
  return features;
}
