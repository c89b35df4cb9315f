import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';

/** When {@link assertFinite} reads its tensors: always, never, or `'auto'` (on host-memory backends). */
export type FiniteCheckMode = boolean | 'auto';

// Backends whose tensors live in host memory: a check is one small read there, while on webgl /
// webgpu it would stall the GPU pipeline for every loss and metric call.
const HOST_MEMORY_BACKENDS = ['cpu', 'wasm', 'tensorflow'];

let mode: FiniteCheckMode = 'auto';

/**
 * Sets when unet-kit checks the tensors handed to its losses, metrics and preprocessing for NaN
 * and Infinity: `'auto'` (default: on the cpu, wasm and tensorflow backends, where the check is
 * one small read; off on webgl/webgpu), `true` (every backend) or `false` (never). A NaN input
 * then throws a {@link UnetKitError} naming the function instead of giving a NaN loss or a
 * silently wrong score. Returns the previous mode.
 *
 * @example `setFiniteChecks(true); // also on webgl, e.g. while debugging a NaN loss`
 */
export function setFiniteChecks(next: FiniteCheckMode): FiniteCheckMode {
  if (next !== true && next !== false && next !== 'auto') {
    throw new UnetKitError('setFiniteChecks', 'mode', `is ${String(next)}; expected true, false or 'auto'.`);
  }
  const previous = mode;
  mode = next;
  return previous;
}

/** Whether {@link assertFinite} reads tensors now (see {@link setFiniteChecks}). */
export function finiteChecksOn(): boolean {
  return mode === 'auto' ? HOST_MEMORY_BACKENDS.includes(tf.getBackend()) : mode;
}

/**
 * Throws a {@link UnetKitError} for `argument` of `functionName` when float tensor `x` holds NaN
 * or ±Infinity, counting each: one scan of the values on cpu, one reduction read elsewhere. Integer and bool tensors are always finite and are not read. Skipped when
 * {@link finiteChecksOn} is false. Internal helper called at the entry of public functions; safe inside `tf.tidy` and gradient tapes (it reads, never
 * feeds the result).
 *
 * @example `assertFinite('diceLoss', 'yPred', yPred);`
 */
export function assertFinite(functionName: string, argument: string, x: tf.Tensor, hint = ''): void {
  if (x.dtype !== 'float32' || x.size === 0 || !finiteChecksOn()) return;
  const [nans, infinities] = tf.getBackend() === 'cpu' ? countOnHost(x) : countNonFiniteOnDevice(x);
  if (nans === 0 && infinities === 0) return;
  const parts = [nans > 0 ? `${nans} NaN` : '', infinities > 0 ? `${infinities} infinite` : ''].filter(Boolean).join(' and ');
  throw new UnetKitError(functionName, argument, `holds ${parts} value${nans + infinities > 1 ? 's' : ''} (of ${x.size}); expected finite numbers.${hint}`);
}

// On the cpu backend the values are a plain array already: one scan allocates no tensor, where
// the kernels of a reduction are slower JS loops (4x128x128x1, load average 3.6 on 2 cores:
// 0.28 ms scan, 0.55 ms reduction, 1.97 ms for the isNaN / isInf counts used before). On wasm
// the reduction wins (0.17 ms; a copy out of the heap and a scan 0.20 ms, the counts 0.34 ms).
function countOnHost(x: tf.Tensor): [number, number] {
  const values = x.dataSync() as Float32Array;
  let nans = 0;
  let infinities = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is NaN exactly for NaN and +-Infinity: one test per finite value.
    if (v - v !== 0) {
      if (Number.isNaN(v)) nans++;
      else infinities++;
    }
  }
  return [nans, infinities];
}

/**
 * NaN and infinity counts of float tensor `x` without reading it back whole (on webgl / webgpu
 * that would be a transfer, on wasm a copy out of the heap). One reduction (`x * 0` is NaN
 * exactly where `x` is not finite) reads a single number; the counts are taken only when it is
 * not 0. Internal (exported for tests).
 *
 * @example `countNonFiniteOnDevice(tf.tensor1d([1, NaN])); // [1, 0]`
 */
export function countNonFiniteOnDevice(x: tf.Tensor): [number, number] {
  const probe = tf.tidy(() => tf.sum(tf.mul(x, tf.scalar(0))));
  const total = probe.dataSync()[0]!;
  probe.dispose();
  if (total === 0) return [0, 0];
  const counts = tf.tidy(() => tf.stack([tf.sum(tf.cast(tf.isNaN(x), 'int32')), tf.sum(tf.cast(tf.isInf(x), 'int32'))]));
  const [nans, infinities] = counts.dataSync();
  counts.dispose();
  return [nans!, infinities!];
}
