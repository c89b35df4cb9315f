import * as tf from '@tensorflow/tfjs-core';

// Tensor math the attention layers share (tokens, heads, scaled dot-product attention). Plain
// functions over eager tensors, called inside the layers' `call` tidy.

/** `[N, ...positions, C]` viewed as `[N, T, C]`, T the product of the position axes. */
export function toTokens(x: tf.Tensor): tf.Tensor3D {
  const shape = x.shape;
  const tokens = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  return tf.reshape(x, [shape[0]!, tokens, shape[shape.length - 1]!]);
}

/**
 * `x [..., Din] @ kernel (+ bias)`, any leading shape; the kernel is read row-major as
 * `[Din, Dout]` (so Keras' einsum kernels `[Din, heads, K]` and `[heads, V, Dout]` work as they are).
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const din = x.shape[x.shape.length - 1]!;
  const dout = kernel.size / din;
  const flat = tf.matMul(tf.reshape(x, [-1, din]), tf.reshape(kernel, [din, dout]));
  const out = tf.reshape(flat, [...x.shape.slice(0, -1), dout]);
  return bias === null ? out : tf.add(out, tf.reshape(bias, [dout]));
}

/** `[B, T, H * K]` -> `[B, H, T, K]`. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, d] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, d / heads]), [0, 2, 1, 3]);
}

/** `[B, H, T, K]` -> `[B, T, H * K]`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [b, h, t, k] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * k]);
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017): `softmax(q k^T / sqrt(K) + bias) v` over
 * `[B, H, Tq, K]` queries and `[B, H, Tk, K]` keys; `bias` broadcasts to `[B, H, Tq, Tk]`
 * (relative position bias, window mask). `dropout` applies to the attention weights.
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  bias: tf.Tensor | null,
  dropout: number,
): tf.Tensor {
  const depth = q.shape[q.shape.length - 1]!;
  let scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(depth)), k, false, true);
  if (bias !== null) scores = tf.add(scores, bias);
  let weights = tf.softmax(scores);
  if (dropout > 0) weights = tf.dropout(weights, dropout);
  return tf.matMul(weights, v);
}

/**
 * `torch.roll(x, shift, axis)` for one axis: element i moves to (i + shift) mod n. A slice and
 * a concat (tfjs has no roll op); shift 0 returns `x`.
 */
export function roll(x: tf.Tensor, shift: number, axis: number): tf.Tensor {
  const n = x.shape[axis]!;
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  const begin = x.shape.map(() => 0);
  const head = tf.slice(x, begin, x.shape.map((d, i) => (i === axis ? n - s : d)));
  const tail = tf.slice(x, begin.map((_, i) => (i === axis ? n - s : 0)), x.shape.map((d, i) => (i === axis ? s : d)));
  return tf.concat([tail, head], axis);
}

/** Layer normalization over the last axis (Ba et al. 2016), biased variance: `gamma * (x - mean) / sqrt(var + eps) + beta`. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}
