import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownKeys, assertNumberArray, assertOptionsObject, assertRank, fail } from '../core/assert.js';
import { sliceStacks, stacksToVolume } from '../data/sliceStacks.js';
import { assertFinite } from '../ops/assertFinite.js';
import { selectOutput, toPredictFn, type Predictor } from './predictor.js';
import { resolveWindowOptions, slidingWindowInference, type SlidingWindowOptions } from './slidingWindow.js';
import type { ProgressFn } from './windowEngine.js';

/** Options of {@link predictVolume25D}. */
export interface PredictVolume25DOptions {
  /** Slices per stack (odd): the slice and `(k - 1) / 2` neighbours each side as channels. Default 3. */
  k?: number;
  /** Spatial axis the slices are taken along: 0 (D, default), 1 (H) or 2 (W). */
  axis?: number;
  /** Stacks per network call. Default 8. */
  batchSize?: number;
  /** Predict only these slice indices (along `axis`), in this order; default all. */
  slices?: number[];
  /**
   * Predict each stack with {@link slidingWindowInference} using these options (for slices
   * larger than the network's window, or to blend overlapping windows). Default: one pass per stack.
   */
  slidingWindow?: SlidingWindowOptions;
  /** Output of a multi-output network to use; default the first with the slice's spatial size. */
  outputIndex?: number;
  /** Called after each batch with (stacks done, stacks in all). */
  onProgress?: ProgressFn;
}

/**
 * Predicts a volume with a 2.5D network (a 2D network whose input channels are `k` adjacent
 * slices): every slice along `axis` is stacked with its neighbours (edge slices replicated at
 * the ends, via `sliceStacks` from `unet-kit/data`, so prediction sees exactly the layout
 * training used), the stacks are predicted in batches, and the per-slice outputs are put back
 * into a volume.
 *
 * @param predictor - a 2D `tf.LayersModel` or function `[B, A, B', k * C] -> [B, A, B', K]`.
 * @param volume - `[N, D, H, W, C]`.
 * @returns `[N, D, H, W, K]` (with `slices`, the chosen slices along `axis`); the caller disposes it.
 * @example
 * ```ts
 * const probs = await predictVolume25D(model, volume, { k: 3, axis: 0, slices: [40, 41, 42] });
 * ```
 */
export async function predictVolume25D(predictor: Predictor, volume: tf.Tensor, options: PredictVolume25DOptions = {}): Promise<tf.Tensor> {
  const fn = 'predictVolume25D';
  const predict = toPredictFn(fn, predictor);
  assertRank(fn, 'volume', volume, [5], '[N, D, H, W, C]');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['k', 'axis', 'batchSize', 'slices', 'slidingWindow', 'outputIndex', 'onProgress']);
  const { k = 3, axis = 0, batchSize = 8, slices, slidingWindow, outputIndex, onProgress } = options;
  if (axis !== 0 && axis !== 1 && axis !== 2) fail(fn, 'options.axis', axis, 'a spatial axis 0 (D), 1 (H) or 2 (W)');
  assertInteger(fn, 'options.k', k, { min: 1 });
  if (k % 2 === 0) fail(fn, 'options.k', k, 'an odd number of slices');
  assertInteger(fn, 'options.batchSize', batchSize, { min: 1 });
  const depth = volume.shape[axis + 1]!;
  const chosen = slices ?? Array.from({ length: depth }, (_, i) => i);
  if (slices !== undefined) assertNumberArray(fn, 'options.slices', slices, { min: 0, max: depth - 1, integer: true });
  if (outputIndex !== undefined) assertInteger(fn, 'options.outputIndex', outputIndex, { min: 0 });
  if (slidingWindow !== undefined) resolveWindowOptions(fn, slidingWindow, 2, 'options.slidingWindow');
  if (onProgress !== undefined && typeof onProgress !== 'function') fail(fn, 'options.onProgress', onProgress, 'a function (done, total) => void');

  const samples = volume.shape[0]!;
  const stacks = sliceStacks(volume, { axis, k });
  const order = tf.tensor1d(
    Array.from({ length: samples }, (_, n) => chosen.map((s) => n * depth + s)).flat(),
    'int32',
  );
  const picked = tf.gather(stacks, order);
  tf.dispose([stacks, order]);
  const planeShape = picked.shape.slice(1, 3);
  const outputs: tf.Tensor[] = [];
  try {
    const total = picked.shape[0]!;
    for (let first = 0; first < total; first += batchSize) {
      const size = Math.min(batchSize, total - first);
      const batch = tf.slice(picked, [first, 0, 0, 0], [size, -1, -1, -1]);
      try {
        if (slidingWindow !== undefined) {
          outputs.push(await slidingWindowInference(predict, batch, { ...slidingWindow, outputIndex: slidingWindow.outputIndex ?? outputIndex }));
        } else {
          const raw = await predict(batch);
          try {
            const chosen = selectOutput(fn, raw, planeShape, size, outputIndex);
            // The sliding-window path checks its windows; this one would stack NaN slices silently.
            assertFinite(fn, 'predictor', chosen, ` This is its output for slices ${first}-${first + size - 1} along options.axis; are the weights NaN?`);
            outputs.push(tf.clone(chosen));
          } finally {
            tf.dispose(raw);
          }
        }
      } finally {
        batch.dispose();
      }
      onProgress?.(first + size, total);
    }
    return tf.tidy(() => stacksToVolume(tf.concat(outputs, 0), { axis, batchSize: samples }));
  } finally {
    picked.dispose();
    tf.dispose(outputs);
  }
}
