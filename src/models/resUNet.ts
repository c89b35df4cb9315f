import type * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean } from '../core/assert.js';
import type { Sym } from '../blocks/functional.js';
import { residualBlock } from '../blocks/residualBlock.js';
import { blockOptions, decode, down, finish, modelInput, type LevelBlock } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { multiScaleImages, resolveMultiScale, withScaleImage, type MultiScaleInputOption } from './multiScale.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/** Options of {@link resUNet}. */
export interface ResUNetOptions extends UNetOptions, MultiScaleInputOption {
  /** Pre-activation residual units (Zhang et al. 2018) or post-activation (He et al. 2016). Default true. */
  preActivation?: boolean;
}

/**
 * Deep Residual U-Net (Zhang, Liu & Wang 2018, "Road Extraction by Deep Residual U-Net"): every
 * level is a residual unit (`convsPerLevel` convs + shortcut, 1x1 projection when the shape
 * changes); the encoder down-samples with the first conv's stride 2 (`downsampling: 'strided'`,
 * the default here; `'maxPool'` pools first instead); the first unit starts with a plain conv on
 * the image. The decoder up-samples, concatenates the skip and runs a residual unit.
 * `multiScaleInput: true` concatenates the input, average-pooled to the resolution of the
 * features entering each lower level's unit, to those features (`enc{i}_scale_concat`): with
 * `'maxPool'` after the pooling, as in {@link unet}; with `'strided'` before the strided unit, so
 * level 1 takes the full-size input and level `i` the input at `1/2^(i-1)`.
 *
 * Layers: `enc{i}_conv1`, `enc{i}_norm1`, ..., `enc{i}_proj`, `enc{i}_add`, `bottleneck_*`,
 * `dec{i}_up`, `dec{i}_concat`, `dec{i}_*`, `head_*`.
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * import { resUNet, diceLoss } from 'unet-kit';
 * const model = resUNet({ inputShape: [256, 256, 3], numClasses: 1, filters: [64, 128, 256, 512] });
 * ```
 */
export function resUNet(options: ResUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('resUNet', options, ['preActivation', 'multiScaleInput'], { downsampling: 'strided' });
    const { preActivation = true } = options;
    assertBoolean('resUNet', 'options.preActivation', preActivation);
    const input = modelInput(r);
    const multiScale = resolveMultiScale('resUNet', options);
    // A strided unit takes its input at the level above, so it gets that level's image.
    const images =
      r.downsampling === 'strided' ? [undefined, input, ...multiScaleImages(r, input, multiScale, r.depth - 1).slice(1)] : multiScaleImages(r, input, multiScale);
    const skips: Sym[] = [];
    let x = input;
    for (let i = 0; i <= r.depth; i++) {
      const name = i === r.depth ? 'bottleneck' : `enc${i}`;
      const strided = i > 0 && r.downsampling === 'strided';
      if (i > 0 && !strided) x = down(r, x, name);
      if (multiScale !== false) x = withScaleImage(x, images[i], name);
      x = residualBlock(x, r.filters[i]!, {
        ...blockOptions(r, name),
        convs: r.convsPerLevel,
        strides: strided ? 2 : 1,
        preActivation,
        inputNormAct: i > 0,
        dropout: r.dropout[i]!,
      });
      skips.push(x);
    }
    const level: LevelBlock = (y, i, name) =>
      residualBlock(y, r.filters[i]!, { ...blockOptions(r, name), convs: r.convsPerLevel, preActivation, dropout: r.dropout[i]! });
    return finish(r, input, decode(r, skips, level));
  });
}
