import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { resolveCommon, type CommonBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { apply, type Sym } from './functional.js';

/** Options of {@link attentionGate}. */
export interface AttentionGateOptions extends CommonBlockOptions {
  /** Channels of the intermediate (theta + phi) map. Default `max(1, floor(C_x / 2))`. */
  interChannels?: number;
  /**
   * How much coarser `g`'s grid is than `x`'s (theta's kernel and stride). Default: inferred from
   * the two shapes when both are known, else 2 (the gating signal from the level below).
   */
  ratio?: number;
  /** How the attention map is resampled back to `x`'s grid: `'linear'` (bi/trilinear, the paper) or `'nearest'`. Default `'linear'`. */
  resample?: 'linear' | 'nearest';
  /** Bias in phi (theta never has one, as in the paper's code). Default true. */
  useBias?: boolean;
}

const KEYS = ['interChannels', 'ratio', 'resample', 'useBias'];

function inferRatio(fn: string, x: Sym, g: Sym): number | undefined {
  const xs = x.shape.slice(1, -1);
  const gs = g.shape.slice(1, -1);
  if (xs.some((d) => d === null) || gs.some((d) => d === null)) return undefined;
  const ratios = xs.map((d, i) => (d as number) / (gs[i] as number));
  const r = ratios[0]!;
  if (!Number.isInteger(r) || r < 1 || ratios.some((q) => q !== r)) {
    throw new UnetKitError(
      fn,
      'x and g',
      `have spatial shapes ${formatValue(xs)} and ${formatValue(gs)}; expected x's grid to be an integer multiple of g's, the same along every axis.`,
    );
  }
  return r;
}

/**
 * The additive attention gate of Attention U-Net (Oktay et al. 2018, "Attention U-Net: Learning
 * Where to Look for the Pancreas"): the skip features `x` are weighted by a map computed with the
 * coarser gating signal `g`:
 * `alpha = sigmoid(psi(relu(theta(x) + phi(g))))`, resampled to `x`'s grid, and the output is
 * `x * alpha` (one weight per position, broadcast over channels).
 * theta is a `ratio x ratio` conv with stride `ratio` and no bias (it brings `x` to `g`'s grid);
 * phi and psi are 1x1 convs with bias; psi has one output channel.
 *
 * Layers: `${name}_theta`, `${name}_phi`, `${name}_add`, `${name}_relu`, `${name}_psi`,
 * `${name}_sigmoid`, `${name}_resample` (when ratio > 1), `${name}_mul`.
 *
 * @param x - skip features `[N, H, W, Cx]` (or 3D).
 * @param g - gating signal `[N, H/ratio, W/ratio, Cg]`.
 * @returns `x` gated, `[N, H, W, Cx]`.
 * @example
 * ```ts
 * const gated = attentionGate(skip, below, { name: 'dec2_att' }); // skip 32x32, below 16x16
 * ```
 */
export function attentionGate(x: Sym, g: Sym, options: AttentionGateOptions = {}): Sym {
  const fn = 'attentionGate';
  const o = resolveCommon(fn, options, 'attention_gate', KEYS);
  const xChannels = assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertFeatureMap(fn, 'g', g, o.spatialDims);
  const { interChannels = Math.max(1, Math.floor(xChannels / 2)), resample = 'linear', useBias = true } = options;
  assertChannels(fn, 'options.interChannels', interChannels);
  assertOneOf(fn, 'options.resample', resample, ['linear', 'nearest']);
  assertBoolean(fn, 'options.useBias', useBias);
  const inferred = inferRatio(fn, x, g);
  const ratio = options.ratio ?? inferred ?? 2;
  assertInteger(fn, 'options.ratio', ratio, { min: 1 });
  if (inferred !== undefined && ratio !== inferred) {
    throw new UnetKitError(fn, 'options.ratio', `is ${ratio}, but the shapes of x and g give ${inferred}.`);
  }

  const theta = o.L.conv({ filters: interChannels, kernelSize: ratio, strides: ratio, useBias: false, seed: o.nextSeed(), name: `${o.name}_theta` });
  const phi = o.L.conv({ filters: interChannels, kernelSize: 1, useBias, seed: o.nextSeed(), name: `${o.name}_phi` });
  const psi = o.L.conv({
    filters: 1,
    kernelSize: 1,
    useBias: true,
    seed: o.nextSeed(),
    kernelInitializer: 'glorotUniform',
    name: `${o.name}_psi`,
  });
  const sum = apply(tfl.layers.add({ name: `${o.name}_add` }), [apply(theta, x), apply(phi, g)]);
  const f = apply(tfl.layers.reLU({ name: `${o.name}_relu` }), sum);
  let alpha = apply(tfl.layers.activation({ activation: 'sigmoid', name: `${o.name}_sigmoid` }), apply(psi, f));
  if (ratio > 1) alpha = apply(o.L.upsample({ size: ratio, interpolation: resample, name: `${o.name}_resample` }), alpha);
  return apply(tfl.layers.multiply({ name: `${o.name}_mul` }), [x, alpha]);
}
