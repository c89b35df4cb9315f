import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger } from '../core/assert.js';
import { recurrentResidualBlock } from '../blocks/recurrentResidualBlock.js';
import { blockOptions, decode, encode, finish, modelInput, type LevelBlock } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/** Options of {@link r2UNet}. */
export interface R2UNetOptions extends UNetOptions {
  /** Recurrence steps t of every recurrent conv layer. Default 2 (the paper's). */
  recurrence?: number;
}

/**
 * R2U-Net (Alom et al. 2018, "Recurrent Residual Convolutional Neural Network based on U-Net
 * (R2U-Net) for Medical Image Segmentation"): the {@link unet} with every level block replaced by
 * a recurrent residual block of `convsPerLevel` recurrent conv layers (shared weights across
 * `recurrence` steps), so it is deeper in computation at the same parameter count per conv.
 * The shared convs are claimed (see `claimLayers`) so `model.dispose()` frees them; after
 * `tf.loadLayersModel`, call `claimLayers(loaded)` for the same effect.
 *
 * Layers: `enc{i}_proj`, `enc{i}_rcl{r}_conv`, `enc{i}_rcl{r}_add{k}`, `enc{i}_add`,
 * `enc{i}_down_pool`, `bottleneck_*`, `dec{i}_up`, `dec{i}_concat`, `dec{i}_*`, `head_*`.
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * const model = r2UNet({ inputShape: [64, 64, 1], numClasses: 1, filters: [16, 32, 64, 128], recurrence: 2 });
 * ```
 */
export function r2UNet(options: R2UNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('r2UNet', options, ['recurrence']);
    const { recurrence = 2 } = options;
    assertInteger('r2UNet', 'options.recurrence', recurrence, { min: 1 });
    const level: LevelBlock = (x, i, name) =>
      recurrentResidualBlock(x, r.filters[i]!, { ...blockOptions(r, name), convs: r.convsPerLevel, recurrence, dropout: r.dropout[i]! });
    const input = modelInput(r);
    return finish(r, input, decode(r, encode(r, input, level), level));
  });
}
