/**
 * unet-kit/compress: smaller models for deployment. Weight quantization in
 * tensorflowjs_converter's format (uint8 / uint16 / float16, loaded by stock
 * `tf.loadLayersModel`); `saveModel(model, dir, { quantize })` uses it. L1-norm filter pruning
 * through skips and concatenations (`pruneFilters`) and conv FLOPs (`convFlops`).
 * @module unet-kit/compress
 */
export { affineRange, quantizeWeights, WEIGHT_QUANTIZATIONS } from './quantize.js';
export type { AffineRange, QuantizedWeights, WeightQuantization } from './quantize.js';
export { float32ToFloat16Bits } from './float16.js';
export { convFlops, pruneFilters } from './prune.js';
export type { PrunedModel, PruneFiltersOptions } from './prune.js';
