import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { convNormAct } from '../blocks/convNormAct.js';
import { denseBlock } from '../blocks/denseBlock.js';
import { blockOptions, decode, encode, finish, modelInput, type LevelBlock } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/** Options of {@link denseUNet}. */
export interface DenseUNetOptions extends UNetOptions {
  /** Channels each dense layer adds. Default: per level, `max(1, round(filters[i] / 2))`. */
  growthRate?: number;
}

/**
 * Dense U-Net (dense blocks of Huang et al. 2017 in a U-Net, as in FC-DenseNet, Jegou et al.
 * 2017, and DenseUNet, Li et al. 2018): a 3x3 conv stem to `filters[0]`, then every level is a
 * dense block of `convsPerLevel` pre-activation layers followed by a 1x1 transition
 * (`conv -> norm -> act`) back to `filters[i]` channels, so the skips and the decoder keep the
 * U-Net's widths.
 *
 * Layers: `stem_conv`, `enc{i}_l{k}_conv`, `enc{i}_concat{k}`, `enc{i}_trans_conv`,
 * `enc{i}_down_pool`, `bottleneck_*`, `dec{i}_up`, `dec{i}_concat`, `dec{i}_*`, `head_*`.
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * const model = denseUNet({ inputShape: [128, 128, 1], numClasses: 2, filters: [16, 32, 64, 128], growthRate: 8 });
 * ```
 */
export function denseUNet(options: DenseUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('denseUNet', options, ['growthRate']);
    if (options.growthRate !== undefined) assertInteger('denseUNet', 'options.growthRate', options.growthRate, { min: 1 });
    const growth = (i: number) => options.growthRate ?? Math.max(1, Math.round(r.filters[i]! / 2));
    const level: LevelBlock = (x, i, name) => {
      const dense = denseBlock(x, growth(i), { ...blockOptions(r, name), layers: r.convsPerLevel, dropout: r.dropout[i]! });
      return convNormAct(dense, r.filters[i]!, { ...blockOptions(r, `${name}_trans`), kernelSize: 1 });
    };
    const input = modelInput(r);
    const stem = convNormAct(input, r.filters[0]!, blockOptions(r, 'stem'));
    return finish(r, input, decode(r, encode(r, stem, level), level));
  });
}
