import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { convNormAct } from '../blocks/convNormAct.js';
import type { Sym } from '../blocks/functional.js';
import { invertedResidual } from '../blocks/invertedResidual.js';
import { separableConv } from '../blocks/separableConv.js';
import { blockOptions, finish, modelInput, upAndConcat } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/** Options of {@link mobileUNet}. */
export interface MobileUNetOptions extends UNetOptions {
  /**
   * Expansion factor t of the encoder's inverted residual blocks. Default 4, not MobileNetV2's 6:
   * with 4 the net lands at about 80% fewer parameters than {@link unet} of the same `filters`
   * (78.6% fewer with the 2D defaults, 91% in 3D; see docs/parameter-counts.md).
   */
  expansion?: number;
  /** Inverted residual blocks per encoder level (the first strided). Default 1. */
  blocksPerLevel?: number;
}

/**
 * A lightweight U-Net with a MobileNetV2-style encoder (Sandler et al. 2018): a 3x3 conv stem,
 * then per level `blocksPerLevel` inverted residual blocks (expand 1x1 -> depthwise 3x3 ->
 * project 1x1, linear bottleneck), the first with stride 2 (the down-sampling; level 0 uses
 * expansion 1 and stride 1, like the paper's first block). The other blocks expand by
 * `expansion`, 4 by default rather than the paper's 6, chosen so that with the same `filters`
 * the net has about 80% fewer parameters than {@link unet}: 78.6% fewer with the 2D defaults and
 * 91% fewer in 3D, where the depthwise kernels are factorized (see docs/parameter-counts.md).
 * The decoder up-samples, concatenates the skip and runs `convsPerLevel` depthwise-separable
 * convs.
 * 3D uses the factorized depthwise conv of {@link separableConv} and needs fixed spatial sizes.
 * `downsampling` is fixed (strided depthwise convs); the option is rejected.
 *
 * Layers: `stem_conv`, `enc{i}_ir{k}_expand`, `enc{i}_ir{k}_dw`, `enc{i}_ir{k}_project`, ...,
 * `dec{i}_up`, `dec{i}_concat`, `dec{i}_sep{k}_dw`, `dec{i}_sep{k}_pw`, `head_*`.
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes and deep supervision).
 * @example
 * ```ts
 * const model = mobileUNet({ inputShape: [224, 224, 3], numClasses: 2, filters: [16, 32, 64, 128, 256] });
 * ```
 */
export function mobileUNet(options: MobileUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const fn = 'mobileUNet';
    if (options !== null && typeof options === 'object' && 'downsampling' in options && options.downsampling !== undefined) {
      throw new UnetKitError(
        fn,
        'options.downsampling',
        `is ${formatValue(options.downsampling)}; mobileUNet down-samples with strided depthwise convs (MobileNetV2), so leave it out.`,
      );
    }
    const r = resolveModelOptions(fn, options, ['expansion', 'blocksPerLevel']);
    const { expansion = 4, blocksPerLevel = 1 } = options;
    assertNumber(fn, 'options.expansion', expansion, { min: 1 });
    assertInteger(fn, 'options.blocksPerLevel', blocksPerLevel, { min: 1 });
    const input = modelInput(r);
    let x = convNormAct(input, r.filters[0]!, blockOptions(r, 'stem'));
    const skips: Sym[] = [];
    for (let i = 0; i <= r.depth; i++) {
      const name = i === r.depth ? 'bottleneck' : `enc${i}`;
      for (let k = 1; k <= blocksPerLevel; k++) {
        const first = k === 1;
        x = invertedResidual(x, r.filters[i]!, {
          ...blockOptions(r, `${name}_ir${k}`),
          expansion: i === 0 && first ? 1 : expansion,
          strides: i > 0 && first ? 2 : 1,
        });
      }
      skips.push(x);
    }
    const features: Sym[] = [];
    for (let i = r.depth - 1; i >= 0; i--) {
      x = upAndConcat(r, x, [skips[i]!], Math.max(1, Math.floor(r.filters[i]! / 2)), `dec${i}`);
      for (let k = 1; k <= r.convsPerLevel; k++) {
        x = separableConv(x, r.filters[i]!, { ...blockOptions(r, `dec${i}_sep${k}`) });
      }
      features.unshift(x);
    }
    return finish(r, input, features);
  });
}
