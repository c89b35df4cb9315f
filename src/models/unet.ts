import type * as tfl from '@tensorflow/tfjs-layers';
import { decode, doubleConvLevel, encode, finish, modelInput } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { UnetKitError } from '../core/errors.js';
import { multiScaleImages, resolveMultiScale, type MultiScaleInputOption } from './multiScale.js';
import { resolveModelOptions, type PlainUNetOptions } from './options.js';

/**
 * The U-Net (Ronneberger et al. 2015, "U-Net: Convolutional Networks for Biomedical Image
 * Segmentation"), 2D or 3D (Cicek et al. 2016) through `spatialDims`. Each level is
 * `convsPerLevel` x (conv 3x3 -> norm -> act); the encoder down-samples between levels, the
 * decoder up-samples to the level's width, concatenates the skip and runs the level block again;
 * a 1x1 conv head gives `numClasses` channels. 'same' padding (default): the output has the
 * input's size. `padding: 'valid'`: the paper's unpadded convs and cropped skips (`dec{i}_crop`),
 * the output smaller by `2 * unetMargin(depth, convsPerLevel)` per axis (see `unetOutputSize`,
 * `validUNetSizes`); predict large images with `overlapTilePredict` (unet-kit/inference).
 *
 * The 2015 paper's net: `filters: [64, 128, 256, 512, 1024]`, `inputShape: [572, 572, 1]`,
 * 2 classes, `norm: 'none'`, `upsampling: 'transpose'`, `padding: 'valid'`: 572x572 in, 388x388
 * out, 31,030,658 parameters (the same count with 'same' padding).
 * 2.5D: `inputShape: [H, W, k]` with k adjacent slices as channels, predicting the middle slice.
 * `multiScaleInput: true` (M-Net, Fu et al. 2018) concatenates the input, average-pooled to each
 * lower level's size (`scale{i}_pool`; `'gaussian'`: Gaussian-pyramid levels, `scale{i}_gauss`),
 * to that level's pooled features (`enc{i}_scale_concat`).
 *
 * Layers: `enc{i}_conv1`, `enc{i}_norm1`, `enc{i}_act1`, ..., `enc{i}_down_pool`, `bottleneck_*`,
 * `dec{i}_up`, (`dec{i}_crop`), `dec{i}_concat`, `dec{i}_conv1`, ..., `head_conv`, `head_act`.
 *
 * @returns a `tf.LayersModel` mapping `[N, ...spatial, C]` to `[N, ...spatial, numClasses]` (with 'valid', `spatial - 2 * margin`)
 * (an array of outputs with `deepSupervision: true`).
 * @example
 * ```ts
 * import { unet } from 'unet-kit';
 * const model = unet({ inputShape: [128, 128, 1], numClasses: 3, filters: [16, 32, 64, 128] });
 * const volumeNet = unet({ inputShape: [null, null, null, 1], numClasses: 2, spatialDims: 3, norm: 'instance' });
 * const paper = unet({ inputShape: [572, 572, 1], numClasses: 2, filters: [64, 128, 256, 512, 1024], norm: 'none', padding: 'valid' }); // -> [N, 388, 388, 2]
 * ```
 */
export function unet(options: PlainUNetOptions & MultiScaleInputOption): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('unet', options, ['multiScaleInput'], { allowPadding: true });
    const pyramid = resolveMultiScale('unet', options);
    // Unpadded convs shrink every level by a margin the pooled copies of the input do not have.
    if (pyramid !== false && r.padding === 'valid') {
      throw new UnetKitError('unet', 'options.multiScaleInput', `is ${JSON.stringify(options.multiScaleInput)} with padding 'valid'; expected false: the pyramid levels need 'same' padding (the input's size halved per level).`);
    }
    const input = modelInput(r);
    const images = multiScaleImages(r, input, pyramid);
    const level = doubleConvLevel(r);
    return finish(r, input, decode(r, encode(r, input, level, images), level));
  });
}
