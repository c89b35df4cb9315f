import type * as tfl from '@tensorflow/tfjs-layers';
import { attentionGate } from '../blocks/attentionGate.js';
import { doubleConv } from '../blocks/doubleConv.js';
import type { Sym } from '../blocks/internal.js';
import { blockOptions, down, finish, modelInput, upAndConcat } from './build.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/**
 * Attention U-Net (Oktay et al. 2018, "Attention U-Net: Learning Where to Look for the
 * Pancreas"): the {@link unet} with an additive attention gate on every skip connection, gated
 * by the coarser decoder features from the level below (before their up-sampling), with
 * `floor(filters[i] / 2)` intermediate channels.
 *
 * Layers: as {@link unet}, plus `dec{i}_att_theta`, `dec{i}_att_phi`, `dec{i}_att_psi`, ...
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * const model = attentionUNet({ inputShape: [64, 64, 64, 1], numClasses: 2, spatialDims: 3, norm: 'instance' });
 * ```
 */
export function attentionUNet(options: UNetOptions): tfl.LayersModel {
  const r = resolveModelOptions('attentionUNet', options, []);
  const input = modelInput(r);
  const skips: Sym[] = [];
  let x = input;
  for (let i = 0; i <= r.depth; i++) {
    const name = i === r.depth ? 'bottleneck' : `enc${i}`;
    if (i > 0) x = down(r, x, name);
    x = doubleConv(x, r.filters[i]!, { ...blockOptions(r, name), convs: r.convsPerLevel, dropout: r.dropout[i]! });
    skips.push(x);
  }
  const features: Sym[] = [];
  for (let i = r.depth - 1; i >= 0; i--) {
    const gated = attentionGate(skips[i]!, x, {
      spatialDims: r.spatialDims,
      interChannels: Math.max(1, Math.floor(r.filters[i]! / 2)),
      ratio: 2,
      seed: r.nextSeed(),
      name: `dec${i}_att`,
    });
    x = upAndConcat(r, x, [gated], r.filters[i]!, `dec${i}`);
    x = doubleConv(x, r.filters[i]!, { ...blockOptions(r, `dec${i}`), convs: r.convsPerLevel, dropout: r.dropout[i]! });
    features.unshift(x);
  }
  return finish(r, input, features);
}
