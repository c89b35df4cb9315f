import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { resolveConvBlock, unitSettings, type ConvBlockOptions } from './blockOptions.js';
import { makeConvUnit } from './convUnit.js';
import { apply, maybeDropout, type Sym } from './functional.js';

/** Options of {@link recurrentResidualBlock}. */
export interface RecurrentResidualBlockOptions extends ConvBlockOptions {
  /** Recurrence steps t of each recurrent conv layer. Default 2 (the paper's t = 2). */
  recurrence?: number;
  /** Recurrent conv layers in the block. Default 2. */
  convs?: number;
}

const KEYS = ['recurrence', 'convs', 'kernelSize', 'dropout'];

/**
 * The recurrent residual conv block of R2U-Net (Alom et al. 2018): a 1x1 conv brings `x` to
 * `filters` channels (`u`), then `convs` recurrent conv layers (RCL) run on it and the result is
 * added to `u`. An RCL with recurrence t applies one shared `conv -> norm -> act` unit t + 1
 * times: `h_0 = f(v)`, `h_k = f(v + h_{k-1})` for k = 1..t (the reference implementation).
 * Weights are shared across steps, so the params of an RCL are those of one unit. tfjs counts
 * each application of a shared layer as a reference: pass your model to `claimLayers` (unet-kit/layers) so
 * `model.dispose()` frees these weights (the factories do), and pass a loaded copy of such a
 * model (`tf.loadLayersModel`) to it too.
 *
 * Layers: `${name}_proj`, `${name}_rcl${r}_conv`, `${name}_rcl${r}_norm`, `${name}_rcl${r}_act`,
 * `${name}_rcl${r}_add${k}`, `${name}_add`, `${name}_drop`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels.
 * @returns `[N, H, W, filters]` (or 3D).
 * @example
 * ```ts
 * const y = recurrentResidualBlock(x, 32, { recurrence: 2, name: 'enc1' });
 * ```
 */
export function recurrentResidualBlock(x: Sym, filters: number, options: RecurrentResidualBlockOptions = {}): Sym {
  const fn = 'recurrentResidualBlock';
  const o = resolveConvBlock(fn, x, ['filters', filters], options, 'recurrent_residual_block', KEYS);
  const { recurrence = 2, convs = 2 } = options;
  assertInteger(fn, 'options.recurrence', recurrence, { min: 1 });
  assertInteger(fn, 'options.convs', convs, { min: 1 });
  // The 1x1 projection is followed by no norm, so it keeps its bias (as in the reference code).
  const u = apply(o.L.conv({ filters, kernelSize: 1, useBias: true, seed: o.nextSeed(), name: `${o.name}_proj` }), x);
  let v = u;
  for (let r = 1; r <= convs; r++) {
    const p = `${o.name}_rcl${r}`;
    const unit = makeConvUnit({ ...unitSettings(o, p), filters, kernelSize: o.kernelSize }, filters);
    let h = unit(v);
    for (let k = 1; k <= recurrence; k++) {
      h = unit(apply(tfl.layers.add({ name: `${p}_add${k}` }), [v, h]));
    }
    v = h;
  }
  const y = apply(tfl.layers.add({ name: `${o.name}_add` }), [u, v]);
  return maybeDropout(o.L, y, o.dropout, `${o.name}_drop`, o.nextSeed());
}
