import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertOptions, fail } from '../core/assert.js';
import { formatValue } from '../core/format.js';

/** Options of {@link fakeQuantize}. */
export interface FakeQuantizeOptions {
  /** Bits of the integer grid, 2..16. Default 8. */
  bits?: number;
  /**
   * Drop the lowest code (codes `1 .. 2^bits - 1`): with a range symmetric about 0 the grid is
   * the symmetric int8 `-127 .. 127` (TF's `narrow_range`, used for weights). Default false.
   */
  narrowRange?: boolean;
}

/** A range bound: a number, an array of per-channel numbers or a scalar / `[C]` tensor. */
export type RangeBound = number | readonly number[] | tf.Tensor;

/** The nudged grid of a range: `value = (code - zeroPoint) * scale`, codes `quantMin .. quantMax`. */
export interface NudgedRange {
  /** Lowest representable value, `(quantMin - zeroPoint) * scale`. */
  min: tf.Tensor;
  /** Highest representable value, `(quantMax - zeroPoint) * scale`. */
  max: tf.Tensor;
  scale: tf.Tensor;
  /** The integer code of 0. */
  zeroPoint: tf.Tensor;
  quantMin: number;
  quantMax: number;
}

const FN = 'fakeQuantize';

function toBound(name: string, value: RangeBound): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.rank > 1) fail(FN, name, `a tensor of shape ${formatValue(value.shape)}`, 'a number, a scalar tensor or a [C] tensor (one bound per last-axis channel)');
    return tf.cast(value, 'float32');
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(FN, name, value, 'a finite number');
    return tf.scalar(value);
  }
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    fail(FN, name, value, 'a finite number or a non-empty array of them (one per last-axis channel)');
  }
  return tf.tensor1d(value as number[]);
}

/**
 * The grid TensorFlow's `FakeQuantWithMinMaxVars` puts on `[min, max]` (`Nudge` in
 * `fake_quant_ops_functor.h`): `scale = (max - min) / (quantMax - quantMin)`, the zero point
 * `quantMin - min / scale` rounded and clamped to the codes, and the range moved so 0 is exactly
 * a code (Jacob et al. 2018, Sec. 2.1: zero padding and ReLU zeros must stay exact).
 * Element-wise over tensor bounds (per-channel ranges). The caller disposes the tensors.
 *
 * @example `nudgeRange(tf.scalar(-1), tf.scalar(3), 8)`: scale 4/255, zero point 64, min -64 * 4/255.
 */
export function nudgeRange(min: tf.Tensor, max: tf.Tensor, bits: number, narrowRange = false): NudgedRange {
  const quantMin = narrowRange ? 1 : 0;
  const quantMax = 2 ** bits - 1;
  const tensors = tf.tidy(() => {
    const scale = tf.div(tf.sub(max, min), quantMax - quantMin);
    // floor(v + 0.5), not tf.round (half to even): TF's nudge rounds halves up (std::round of v >= 0).
    const zeroPoint = tf.floor(tf.add(tf.clipByValue(tf.sub(quantMin, tf.div(min, scale)), quantMin, quantMax), 0.5));
    return { min: tf.mul(tf.sub(quantMin, zeroPoint), scale), max: tf.mul(tf.sub(quantMax, zeroPoint), scale), scale, zeroPoint };
  });
  return { ...tensors, quantMin, quantMax };
}

/**
 * Fake quantization with a straight-through estimator (Jacob et al., "Quantization and Training
 * of Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018, Sec. 3;
 * TensorFlow's `FakeQuantWithMinMaxVars` / `...PerChannel`, same nudging and gradients):
 * `y = round((clamp(x, min', max') - min') / scale) * scale + min'` on the nudged range
 * `[min', max']` ({@link nudgeRange}), so `y` is exactly what an integer model would hold. The
 * rounding has no useful gradient; the straight-through estimator passes `dy` unchanged where
 * `min' <= x <= max'` and 0 where `x` was clipped, and gives `min` the sum of `dy` below the
 * range and `max` the sum above it (TF's rule; ranges kept as moving averages ignore them).
 *
 * `min` / `max` are scalars (per tensor: affine uint8 activations) or `[C]` (per channel of the
 * last axis: with `min = -max` and `narrowRange` the symmetric int8 weights of Krishnamoorthi 2018).
 * Requires `min < max` element-wise; a range not covering 0 is widened to 0 by the nudge's clamp.
 *
 * @param x - Any float tensor.
 * @param min - Lower bound(s).
 * @param max - Upper bound(s).
 * @param options - `bits` (default 8), `narrowRange` (default false).
 * @returns `y`, the shape of `x`.
 * @example
 * ```ts
 * fakeQuantize(tf.tensor1d([-2, 0.1, 0.5, 1.3]), -0.7, 1.7, { bits: 2 }); // [-0.8, 0, 0.8, 1.6]: scale 0.8, zero point 1
 * ```
 */
export function fakeQuantize(x: tf.Tensor, min: RangeBound, max: RangeBound, options: FakeQuantizeOptions = {}): tf.Tensor {
  if (!(x instanceof tf.Tensor) || x.dtype !== 'float32') fail(FN, 'x', x, 'a float32 tensor');
  assertOptions(FN, options, {
    bits: (f, a, v) => assertInteger(f, a, v, { min: 2, max: 16 }),
    narrowRange: (f, a, v) => assertBoolean(f, a, v),
  });
  const bits = options.bits ?? 8;
  const narrowRange = options.narrowRange ?? false;
  const channels = x.shape.at(-1);
  return tf.tidy(() => {
    const lo = toBound('min', min);
    const hi = toBound('max', max);
    for (const [name, bound] of [['min', lo], ['max', hi]] as const) {
      if (bound.rank === 1 && bound.shape[0] !== channels) fail(FN, name, `a [${bound.shape[0]}] bound`, `a scalar or [${channels}] (the last axis of x, shape ${formatValue(x.shape)})`);
    }
    if (lo.shape.length !== hi.shape.length) fail(FN, 'min, max', `shapes ${formatValue(lo.shape)} and ${formatValue(hi.shape)}`, 'bounds of the same shape');
    const below = tf.any(tf.lessEqual(hi, lo)).dataSync()[0] === 1;
    if (below) fail(FN, 'min, max', [Array.from(lo.dataSync()), Array.from(hi.dataSync())], 'min < max element-wise');
    return fakeQuantizeOp(x, lo, hi, bits, narrowRange);
  });
}

/** {@link fakeQuantize} without the checks, for callers that validated (layers in a training step). */
export function fakeQuantizeOp(x: tf.Tensor, min: tf.Tensor, max: tf.Tensor, bits: number, narrowRange: boolean): tf.Tensor {
  const op = tf.customGrad(((input: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor, save: tf.GradSaveFunc) => {
    const range = nudgeRange(lo, hi, bits, narrowRange);
    const clamped = tf.minimum(tf.maximum(input, range.min), range.max);
    const value = tf.add(tf.mul(tf.floor(tf.add(tf.div(tf.sub(clamped, range.min), range.scale), 0.5)), range.scale), range.min);
    save([input, range.min, range.max]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, nmin, nmax] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const under = tf.cast(tf.less(xs, nmin), 'float32');
        const over = tf.cast(tf.greater(xs, nmax), 'float32');
        const inside = tf.sub(tf.sub(1, under), over);
        // A bound's gradient sums dy over everything it covers: all of x, or all but the last axis.
        const reduce = (t: tf.Tensor, like: tf.Tensor) => (like.rank === 0 ? tf.sum(t) : tf.sum(t, xs.shape.map((_, i) => i).slice(0, -1)));
        return [tf.mul(dy, inside), reduce(tf.mul(dy, under), lo), reduce(tf.mul(dy, over), hi)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, min, max);
}
