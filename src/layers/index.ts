/**
 * Custom Keras-compatible layers tfjs 4.22 lacks. Importing this module registers them with
 * `tf.serialization`, so `tf.loadLayersModel` can read models that use them.
 * @module unet-kit/layers
 */
export { UpSampling2D, upSampling2d } from './upSampling2d.js';
export type { UpSampling2DArgs } from './upSampling2d.js';
export { UpSampling3D, upSampling3d } from './upSampling3d.js';
export type { UpSampling3DArgs } from './upSampling3d.js';
export { Cropping2D, Cropping3D, cropping2d, cropping3d } from './cropping.js';
export type { CroppingArgs, CroppingSpec } from './cropping.js';
export { GlobalAveragePooling3D, globalAveragePooling3d } from './globalAveragePooling3d.js';
export type { GlobalAveragePooling3DArgs } from './globalAveragePooling3d.js';
export { GroupNormalization, groupNormalization } from './groupNormalization.js';
export type { GroupNormalizationArgs } from './groupNormalization.js';
export { InstanceNormalization, instanceNormalization } from './instanceNormalization.js';
export type { InstanceNormalizationArgs } from './instanceNormalization.js';
export { batchNormalization } from './batchNormalization.js';
export { BatchNormalization } from './batchNormalization.js';
export type { BatchNormalizationArgs } from './batchNormalization.js';
export type { ChannelsLastLayerArgs, LayerBaseArgs } from './args.js';
export { spatialLayers } from './spatial.js';
export type { Layer, SpatialConvArgs, SpatialDims, SpatialLayerTable, SpatialPoolArgs, SpatialUpsampleArgs } from './spatial.js';
export { ACTIVATION_TYPES, NORM_TYPES } from './normActOptions.js';
export type { ActivationSpec, ActivationType, NormSpec, NormType } from './normActOptions.js';
export { claimLayers } from './claimLayers.js';
export { MultiHeadAttention, multiHeadAttention } from './multiHeadAttention.js';
export type { MultiHeadAttentionArgs } from './multiHeadAttention.js';
export { PatchEmbedding, patchEmbedding } from './patchEmbedding.js';
export type { PatchEmbeddingArgs } from './patchEmbedding.js';
export { LearnedPositionEmbedding, learnedPositionEmbedding } from './positionEmbedding.js';
export type { LearnedPositionEmbeddingArgs } from './positionEmbedding.js';
export { WindowAttention, windowAttention } from './windowAttention.js';
export type { WindowAttentionArgs } from './windowAttention.js';
export { PatchMerging, patchMerging } from './patchMerging.js';
export type { PatchMergingArgs } from './patchMerging.js';
export { PatchExpanding, patchExpanding } from './patchExpanding.js';
export type { PatchExpandingArgs } from './patchExpanding.js';
export { LayerNormalization, layerNormalization } from './layerNormalization.js';
export type { LayerNormalizationArgs } from './layerNormalization.js';
export { WeightStandardizedConv, weightStandardizedConv } from './weightStandardizedConv.js';
export type { WeightStandardizedConvArgs } from './weightStandardizedConv.js';
export { ChannelSlice, channelSlice } from './channelSlice.js';
export type { ChannelSliceArgs } from './channelSlice.js';
export { ModalityMask, modalityMask } from './modalityMask.js';
export type { ModalityMaskArgs } from './modalityMask.js';
export { ModalityScale, modalityScale } from './modalityScale.js';
export type { ModalityScaleArgs } from './modalityScale.js';
export { ModalityAttention, modalityAttention } from './modalityAttention.js';
export type { ModalityAttentionArgs } from './modalityAttention.js';
export { ImageNetPreprocessing, imageNetPreprocessing, PREPROCESSING_MODES } from './imageNetPreprocessing.js';
export type { ImageNetPreprocessingArgs, PreprocessingMode } from './imageNetPreprocessing.js';
export { GaussianDownsample, gaussianDownsample } from './gaussianDownsample.js';
export type { GaussianDownsampleArgs } from './gaussianDownsample.js';
