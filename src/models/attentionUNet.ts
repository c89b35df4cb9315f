import type * as tfl from '@tensorflow/tfjs-layers';
import { attentionGate } from '../blocks/attentionGate.js';
import type { Sym } from '../blocks/functional.js';
import { decode, doubleConvLevel, encode, finish, modelInput } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { multiScaleImages, resolveMultiScale, type MultiScaleInputOption } from './multiScale.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/**
 * Attention U-Net (Oktay et al. 2018, "Attention U-Net: Learning Where to Look for the
 * Pancreas"): the {@link unet} with an additive attention gate on every skip connection, gated
 * by the coarser decoder features from the level below (before their up-sampling), with
 * `floor(filters[i] / 2)` intermediate channels.
 *
 * `multiScaleInput: true` feeds the pooled input into every lower encoder level, as in {@link unet}.
 *
 * Layers: as {@link unet}, plus `dec{i}_att_theta`, `dec{i}_att_phi`, `dec{i}_att_psi`, ...
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * const model = attentionUNet({ inputShape: [64, 64, 64, 1], numClasses: 2, spatialDims: 3, norm: 'instance' });
 * ```
 */
export function attentionUNet(options: UNetOptions & MultiScaleInputOption): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('attentionUNet', options, ['multiScaleInput']);
    const input = modelInput(r);
    const images = multiScaleImages(r, input, resolveMultiScale('attentionUNet', options));
    const level = doubleConvLevel(r);
    const gate = (skip: Sym, coarse: Sym, i: number) =>
      attentionGate(skip, coarse, {
        spatialDims: r.spatialDims,
        interChannels: Math.max(1, Math.floor(r.filters[i]! / 2)),
        ratio: 2,
        seed: r.nextSeed(),
        name: `dec${i}_att`,
      });
    return finish(r, input, decode(r, encode(r, input, level, images), level, gate));
  });
}
