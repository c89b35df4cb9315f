const scratch = new DataView(new ArrayBuffer(4));

/**
 * The IEEE 754 half-precision bit pattern of a float32 value, rounded to nearest, ties to even
 * (numpy's `astype(np.float16)`, which tensorflowjs_converter's float16 quantization uses):
 * overflow to +-Infinity, subnormals below 2^-14, NaN kept NaN. tfjs-core's weight decoder
 * reads these back (`getFloat16Decoder`).
 *
 * @example `float32ToFloat16Bits(1)` is `0x3c00`; `float32ToFloat16Bits(65520)` is `0x7c00` (Infinity).
 */
export function float32ToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const bits = scratch.getUint32(0, true);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  // Re-bias the exponent from 127 to 15.
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the mantissa, with its implicit 1, into place and round.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (half + (rest > halfway || (rest === halfway && (half & 1) === 1) ? 1 : 0));
  }
  const half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}
