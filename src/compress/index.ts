/**
 * unet-kit/compress: smaller models for deployment. Weight quantization in
 * tensorflowjs_converter's format (uint8 / uint16 / float16, loaded by stock
 * `tf.loadLayersModel`); `saveModel(model, dir, { quantize })` uses it.
 * @module unet-kit/compress
 */
export { affineRange, quantizeWeights, WEIGHT_QUANTIZATIONS } from './quantize.js';
export type { AffineRange, QuantizedWeights, WeightQuantization } from './quantize.js';
export { float32ToFloat16Bits } from './float16.js';
