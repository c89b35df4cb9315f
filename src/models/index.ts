/**
 * unet-kit/models: the U-Net family as factories returning `tf.LayersModel`, 2D and 3D through
 * `spatialDims`, all taking one {@link UNetOptions} object.
 * @module unet-kit/models
 */
export { unet } from './unet.js';
export { resUNet } from './resUNet.js';
export type { ResUNetOptions } from './resUNet.js';
export { attentionUNet } from './attentionUNet.js';
export { unetPlusPlus } from './unetPlusPlus.js';
export { denseUNet } from './denseUNet.js';
export type { DenseUNetOptions } from './denseUNet.js';
export { mobileUNet } from './mobileUNet.js';
export type { MobileUNetOptions } from './mobileUNet.js';
export { r2UNet } from './r2UNet.js';
export type { R2UNetOptions } from './r2UNet.js';
export type { PlainUNetOptions, UNetOptions, UNetPadding } from './options.js';
export { unetMargin, unetOutputSize, validUNetSizes } from './validSizes.js';
export { unetr, unetrParameterCount } from './unetr.js';
export type { UNETROptions } from './unetr.js';
export { swinUNETR, swinUNETRParameterCount } from './swinUNETR.js';
export type { SwinUNETROptions } from './swinUNETR.js';
export { transUNet, transUNetParameterCount } from './transUNet.js';
export type { TransUNetOptions } from './transUNet.js';
export { swinUNet, swinUNetParameterCount } from './swinUNet.js';
export type { SwinUNetOptions } from './swinUNet.js';
export { fusionUNet, FUSION_MERGES, FUSION_MODES } from './fusionUNet.js';
export type { FusionUNetOptions } from './fusionUNet.js';
export type { MultiScaleInputOption } from './multiScale.js';
export { backboneUNet, BACKBONES } from './backboneUNet.js';
export type { BackboneName, BackboneUNetOptions } from './backboneUNet.js';
