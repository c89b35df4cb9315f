import type * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { product } from '../core/shape.js';
import { float32ToFloat16Bits } from './float16.js';

/** Storage types of {@link quantizeWeights}: tensorflowjs_converter's `--quantize_uint8 / _uint16 / _float16`. */
export type WeightQuantization = 'uint8' | 'uint16' | 'float16';

/** Every {@link WeightQuantization}. */
export const WEIGHT_QUANTIZATIONS: readonly WeightQuantization[] = ['uint8', 'uint16', 'float16'];

/** Bytes a value of each storage type takes. */
const BYTES: Record<WeightQuantization, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Affine quantization parameters: `value = code * scale + min`. */
export interface AffineRange {
  scale: number;
  min: number;
}

/**
 * The affine range tensorflowjs_converter gives a tensor with values in `[minValue, maxValue]`
 * (`_get_affine_quantization_range` in tfjs-converter's `quantization.py`):
 * `scale = (max - min) / codeMax`; when the range covers 0 the minimum is nudged to
 * `-round(-min / scale) * scale`, so that 0 is exactly a code (zero padding, ReLU zeros and pruned
 * weights stay exactly 0 after dequantization). A constant tensor gets `scale = 1, min = value`.
 *
 * @example `affineRange(-1, 3, 'uint8')` is `{ scale: 4 / 255, min: -64 * 4 / 255 }` (0 is code 64).
 */
export function affineRange(minValue: number, maxValue: number, dtype: 'uint8' | 'uint16'): AffineRange {
  if (!Number.isFinite(minValue) || !Number.isFinite(maxValue) || minValue > maxValue) {
    fail('affineRange', 'minValue, maxValue', [minValue, maxValue], 'finite numbers with minValue <= maxValue');
  }
  assertOneOf('affineRange', 'dtype', dtype, ['uint8', 'uint16'] as const);
  if (minValue === maxValue) return { scale: 1, min: minValue };
  const codeMax = dtype === 'uint8' ? 255 : 65535;
  const scale = (maxValue - minValue) / codeMax;
  const min = minValue <= 0 && maxValue >= 0 ? -Math.round(-minValue / scale) * scale : minValue;
  return { scale, min };
}

/** The result of {@link quantizeWeights}: a new buffer and manifest entries, in the same order. */
export interface QuantizedWeights {
  weightData: ArrayBuffer;
  weightSpecs: tf.io.WeightsManifestEntry[];
}

function quantizeValues(values: Float32Array, dtype: WeightQuantization): { bytes: Uint8Array; quantization: NonNullable<tf.io.WeightsManifestEntry['quantization']> } {
  if (dtype === 'float16') {
    const codes = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) codes[i] = float32ToFloat16Bits(values[i]!);
    return { bytes: new Uint8Array(codes.buffer), quantization: { dtype } };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) fail('quantizeWeights', 'weightData', v, `finite weights only (${dtype} quantization cannot store NaN or Infinity)`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) lo = hi = 0;
  const { scale, min } = affineRange(lo, hi, dtype);
  const codeMax = dtype === 'uint8' ? 255 : 65535;
  const codes = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    codes[i] = Math.min(codeMax, Math.max(0, Math.round((values[i]! - min) / scale)));
  }
  return { bytes: new Uint8Array(codes.buffer), quantization: { dtype, min, scale } };
}

/**
 * Quantizes the float32 weights of a tfjs weights buffer the way `tensorflowjs_converter
 * --quantize_uint8 | --quantize_uint16 | --quantize_float16` does, writing its manifest format:
 * each float32 tensor is stored as 1-byte (uint8) or 2-byte (uint16, float16) codes and its
 * manifest entry gets `quantization: { dtype, min, scale }` (`{ dtype: 'float16' }`), which
 * stock `tf.loadLayersModel` / `tf.io.decodeWeights` dequantize on load
 * (`value = code * scale + min`). Per-tensor affine ranges keep 0 exact ({@link affineRange}).
 * int32 / bool / string tensors, tensors already quantized and optimizer state
 * (`group: 'optimizer'`, kept in float32 so training resumes unchanged) are copied as they are.
 * uint8 stores float32 weights in a quarter of the bytes, uint16 and float16 in half.
 *
 * @param weightData - The concatenated little-endian weights (`artifacts.weightData`).
 * @param weightSpecs - Their manifest entries, in buffer order (`artifacts.weightSpecs`).
 * @param dtype - `'uint8'`, `'uint16'` or `'float16'`.
 * @returns A new buffer and new manifest entries (the inputs are not changed).
 * @example
 * ```ts
 * const { weightData, weightSpecs } = quantizeWeights(artifacts.weightData, artifacts.weightSpecs, 'uint8');
 * ```
 */
export function quantizeWeights(weightData: ArrayBuffer, weightSpecs: readonly tf.io.WeightsManifestEntry[], dtype: WeightQuantization): QuantizedWeights {
  if (!(weightData instanceof ArrayBuffer)) fail('quantizeWeights', 'weightData', weightData, 'an ArrayBuffer (artifacts.weightData, concatenated)');
  if (!Array.isArray(weightSpecs)) fail('quantizeWeights', 'weightSpecs', weightSpecs, 'an array of weight manifest entries');
  assertOneOf('quantizeWeights', 'dtype', dtype, WEIGHT_QUANTIZATIONS);
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of weightSpecs) {
    const elements = product(spec.shape);
    const stored = spec.quantization !== undefined ? BYTES[spec.quantization.dtype as WeightQuantization] : spec.dtype === 'string' ? NaN : 4;
    if (!Number.isFinite(stored)) {
      throw new UnetKitError('quantizeWeights', 'weightSpecs', `has the string tensor '${spec.name}'; expected numeric weights (a layers model's weights).`);
    }
    const length = elements * stored;
    if (offset + length > weightData.byteLength) {
      throw new UnetKitError('quantizeWeights', 'weightData', `has ${weightData.byteLength} bytes, fewer than weightSpecs describe (${spec.name} ends at byte ${offset + length}).`);
    }
    const raw = new Uint8Array(weightData, offset, length);
    offset += length;
    if (spec.dtype !== 'float32' || spec.quantization !== undefined || spec.group === 'optimizer') {
      parts.push(raw.slice());
      specs.push({ ...spec });
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    const { bytes, quantization } = quantizeValues(values, dtype);
    parts.push(bytes);
    specs.push({ ...spec, quantization });
  }
  if (offset !== weightData.byteLength) {
    throw new UnetKitError('quantizeWeights', 'weightData', `has ${weightData.byteLength} bytes; weightSpecs describe ${offset}.`);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return { weightData: out.buffer, weightSpecs: specs };
}
