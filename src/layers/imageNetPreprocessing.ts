import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LayerBaseArgs } from './args.js';

/** The input normalisations of `keras.applications` `preprocess_input` (`imagenet_utils`). */
export const PREPROCESSING_MODES = ['caffe', 'torch', 'tf'] as const;
/** One of {@link PREPROCESSING_MODES}. */
export type PreprocessingMode = (typeof PREPROCESSING_MODES)[number];

/** Options of {@link imageNetPreprocessing}. */
export interface ImageNetPreprocessingArgs extends LayerBaseArgs {
  /** `'caffe'` (ResNet50, VGG), `'torch'` (DenseNet), `'tf'` (MobileNetV2, Xception, Inception). */
  mode: PreprocessingMode;
}

// keras/src/applications/imagenet_utils.py: the ImageNet means and standard deviations.
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

/**
 * `keras.applications` input normalisation as a layer, so a pretrained backbone inside a model
 * takes RGB pixels in [0, 255] (channels last) as Keras' `preprocess_input(x, mode)` would make
 * them: `'tf'`: `x / 127.5 - 1`; `'torch'`: `(x / 255 - mean) / std` per channel with the
 * ImageNet mean `[0.485, 0.456, 0.406]` and std `[0.229, 0.224, 0.225]`; `'caffe'`: RGB to BGR,
 * then minus the BGR mean `[103.939, 116.779, 123.68]`, no scaling. `'torch'` and `'caffe'` need
 * 3 channels. No weights.
 *
 * @example
 * ```ts
 * const caffe = imageNetPreprocessing({ mode: 'caffe' }).apply(tfl.input({ shape: [224, 224, 3] })); // what ResNet50 expects
 * ```
 */
export class ImageNetPreprocessing extends tfl.layers.Layer {
  /** Class name used by save/load. */
  static className = 'ImageNetPreprocessing';
  readonly mode: PreprocessingMode;

  constructor(args: ImageNetPreprocessingArgs) {
    super(args);
    assertOneOf(ImageNetPreprocessing.className, 'args.mode', args.mode, PREPROCESSING_MODES);
    this.mode = args.mode;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.mode !== 'tf' && shape[shape.length - 1] !== 3) {
      throw new UnetKitError(
        ImageNetPreprocessing.className,
        'input shape',
        `is ${formatValue(shape)}; mode '${this.mode}' normalises RGB images: 3 channels last (or use mode 'tf', which takes any channel count).`,
      );
    }
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      if (this.mode === 'tf') return tf.sub(tf.div(x, 127.5), 1);
      if (this.mode === 'torch') return tf.div(tf.sub(tf.div(x, 255), tf.tensor1d(TORCH_MEAN)), tf.tensor1d(TORCH_STD));
      return tf.sub(tf.reverse(x, -1), tf.tensor1d(CAFFE_MEAN_BGR));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}
tf.serialization.registerClass(ImageNetPreprocessing);

/**
 * Creates an {@link ImageNetPreprocessing} layer.
 *
 * @example
 * ```ts
 * const normalised = imageNetPreprocessing({ mode: 'tf', name: 'preprocess' }).apply(input);
 * ```
 */
export function imageNetPreprocessing(args: ImageNetPreprocessingArgs): ImageNetPreprocessing {
  return new ImageNetPreprocessing(args);
}
