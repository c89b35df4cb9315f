/**
 * unet-kit/augment: paired image/mask augmentation on tensors, 2D and 3D, seedable and batched.
 * @module unet-kit/augment
 */
export type { ParametricTransform, Sample, SeedLike, Transform } from './types.js';
export type { RangeLike } from './ranges.js';
export { resample, resizeSpatial } from '../ops/resample.js';
export type { Interpolation } from '../ops/resample.js';
export { BORDER_MODES } from '../ops/border.js';
export type { BorderMode } from '../ops/border.js';
export type { SpatialPaddingOptions } from './spatialTransform.js';
export { affine, affineMatrix } from './affine.js';
export type { AffineOptions, AffineParams } from './affine.js';
export { elasticDeform, elasticDisplacement } from './elasticDeform.js';
export type { ElasticDeformOptions, ElasticDeformParams } from './elasticDeform.js';
export { flip } from './flip.js';
export type { FlipOptions, FlipParams } from './flip.js';
export { rotate90 } from './rotate90.js';
export type { Rotate90Options, Rotate90Params } from './rotate90.js';
export { randomCrop } from './randomCrop.js';
export type { CropParams, RandomCropOptions } from './randomCrop.js';
export { foregroundCrop } from './foregroundCrop.js';
export type { ForegroundCropOptions, ForegroundCropParams } from './foregroundCrop.js';
export { gaussianNoise } from './gaussianNoise.js';
export type { GaussianNoiseOptions, GaussianNoiseParams } from './gaussianNoise.js';
export { gaussianBlur } from './gaussianBlur.js';
export type { GaussianBlurOptions, GaussianBlurParams } from './gaussianBlur.js';
export { brightness } from './brightness.js';
export type { BrightnessOptions, BrightnessParams } from './brightness.js';
export { contrast } from './contrast.js';
export type { ContrastOptions, ContrastParams } from './contrast.js';
export { gamma } from './gamma.js';
export type { GammaOptions, GammaParams } from './gamma.js';
export { simulateLowResolution } from './simulateLowResolution.js';
export type { SimulateLowResolutionOptions, SimulateLowResolutionParams } from './simulateLowResolution.js';
export { mixup } from './mixup.js';
export type { MixParams, MixupOptions } from './mixup.js';
export { cutmix } from './cutmix.js';
export type { CutmixOptions, CutmixParams } from './cutmix.js';
export { compose } from './compose.js';
export type { ComposeOptions, ComposeStep } from './compose.js';
export { defaultAugmentation, nnUNetAugmentation } from './presets.js';
export type { AugmentationPresetOptions } from './presets.js';
export { augmentedBatches } from './augmentedBatches.js';
export type { AugmentedBatch, AugmentedBatchesOptions } from './augmentedBatches.js';
