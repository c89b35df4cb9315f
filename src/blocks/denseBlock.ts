import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger } from '../core/assert.js';
import {
  apply,
  assertChannels,
  assertDropout,
  assertFeatureMap,
  makeConvUnit,
  maybeDropout,
  resolveNormAct,
  type NormActBlockOptions,
  type Sym,
} from './internal.js';

/** Options of {@link denseBlock}. */
export interface DenseBlockOptions extends NormActBlockOptions {
  /** Number of dense layers. Default 4. */
  layers?: number;
  /** DenseNet-B bottleneck: a `norm -> act -> 1x1 conv` to `4 * growthRate` before each 3x3. Default false. */
  bottleneck?: boolean;
  /** Kernel size of the growth convs. Default 3. */
  kernelSize?: number;
  /** Spatial dropout after each growth conv (DenseNet places dropout there). Default 0. */
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
  const o = resolveNormAct(fn, options, 'dense_block', KEYS);
  let channels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'growthRate', growthRate);
  const { layers = 4, bottleneck = false, kernelSize = 3, dropout = 0 } = options;
  assertInteger(fn, 'options.layers', layers, { min: 1 });
  assertBoolean(fn, 'options.bottleneck', bottleneck);
  assertInteger(fn, 'options.kernelSize', kernelSize, { min: 1 });
  assertDropout(fn, dropout);
  let features = x;
  for (let i = 1; i <= layers; i++) {
    const p = `${o.name}_l${i}`;
    let h = features;
    let hChannels = channels;
    if (bottleneck) {
      h = makeConvUnit(
        { ...unitBase(o), filters: 4 * growthRate, kernelSize: 1, seed: o.nextSeed(), preActivation: true, names: { conv: `${p}_bconv`, norm: `${p}_bnorm`, act: `${p}_bact` } },
        hChannels,
      )(h);
      hChannels = 4 * growthRate;
    }
    h = makeConvUnit(
      { ...unitBase(o), filters: growthRate, kernelSize, seed: o.nextSeed(), preActivation: true, names: { conv: `${p}_conv`, norm: `${p}_norm`, act: `${p}_act` } },
      hChannels,
    )(h);
    h = maybeDropout(o.L, h, dropout, `${p}_drop`, o.nextSeed());
    features = apply(tfl.layers.concatenate({ axis: -1, name: `${o.name}_concat${i}` }), [features, h]);
    channels += growthRate;
  }
  return features;
}

function unitBase(o: ReturnType<typeof resolveNormAct>) {
  return { L: o.L, norm: o.norm, activation: o.activation, useBias: o.useBias };
}
