/**
 * unet-kit/compress: smaller models for deployment. Weight quantization in
 * tensorflowjs_converter's format (uint8 / uint16 / float16, loaded by stock
 * `tf.loadLayersModel`); `saveModel(model, dir, { quantize })` uses it. L1-norm filter pruning
 * through skips and concatenations (`pruneFilters`) and conv FLOPs (`convFlops`).
 * Quantization-aware training: `fakeQuantize` (straight-through), `FakeQuantConv2D` /
 * `FakeQuantConv3D` (registered on import), `quantizeAware`, `calibrateQuantization`,
 * `toIntegerInference`.
 * @module unet-kit/compress
 */
export { affineRange, quantizeWeights, WEIGHT_QUANTIZATIONS } from './quantize.js';
export type { AffineRange, QuantizedWeights, WeightQuantization } from './quantize.js';
export { float32ToFloat16Bits } from './float16.js';
export { convFlops, pruneFilters } from './prune.js';
export type { PrunedModel, PruneFiltersOptions } from './prune.js';
export { fakeQuantize, nudgeRange } from './fakeQuantize.js';
export type { FakeQuantizeOptions, NudgedRange, RangeBound } from './fakeQuantize.js';
export { FAKE_QUANT_ACTIVATIONS, FakeQuantConv2D, FakeQuantConv3D } from './fakeQuantConv.js';
export type { FakeQuantConvArgs } from './fakeQuantConv.js';
export { calibrateQuantization, quantizeAware, toIntegerInference } from './quantizeAware.js';
export type { CalibrateQuantizationOptions, QuantizeAwareOptions } from './quantizeAware.js';
