/**
 * unet-kit/blocks: composable U-Net building blocks. Each is a plain function over
 * `tf.SymbolicTensor`s, takes `spatialDims: 2 | 3` (one code path for images and volumes) and a
 * `name` that prefixes every layer inside it, so weights map by name.
 * @module unet-kit/blocks
 */
export { convNormAct } from './convNormAct.js';
export type { ConvNormActOptions } from './convNormAct.js';
export { doubleConv } from './doubleConv.js';
export type { DoubleConvOptions } from './doubleConv.js';
export { residualBlock } from './residualBlock.js';
export type { ResidualBlockOptions } from './residualBlock.js';
export { attentionGate } from './attentionGate.js';
export type { AttentionGateOptions } from './attentionGate.js';
export { separableConv } from './separableConv.js';
export type { SeparableConvOptions } from './separableConv.js';
export { invertedResidual } from './invertedResidual.js';
export type { InvertedResidualOptions } from './invertedResidual.js';
export { squeezeExcite } from './squeezeExcite.js';
export type { SqueezeExciteMode, SqueezeExciteOptions } from './squeezeExcite.js';
export { denseBlock } from './denseBlock.js';
export type { DenseBlockOptions } from './denseBlock.js';
export { recurrentResidualBlock } from './recurrentResidualBlock.js';
export type { RecurrentResidualBlockOptions } from './recurrentResidualBlock.js';
export { downsample, DOWNSAMPLE_MODES } from './downsample.js';
export type { DownsampleMode, DownsampleOptions } from './downsample.js';
export { upsample, UPSAMPLE_MODES } from './upsample.js';
export type { UpsampleMode, UpsampleOptions } from './upsample.js';
export { head } from './head.js';
export type { HeadOptions } from './head.js';
export { OUTPUT_ACTIVATIONS } from '../core/outputActivation.js';
export type { OutputActivation } from '../core/outputActivation.js';
export type { CommonBlockOptions, ConvBlockOptions, NormActBlockOptions } from './blockOptions.js';
export { transformerBlock } from './transformerBlock.js';
export type { TransformerBlockOptions } from './transformerBlock.js';
export { swinBlock } from './swinBlock.js';
export type { SwinBlockOptions } from './swinBlock.js';
