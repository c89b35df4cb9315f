import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { toSyncPredictFn, type Predictor, type SyncPredictFn } from './predictor.js';

/** Options of {@link testTimeAugmentation}. */
export interface TestTimeAugmentationOptions {
  /**
   * Mirroring to average over, with spatial axes numbered from 0 (`0` = H in 2D, D in 3D):
   * - a list of axes, e.g. `[0, 1]`: every subset of them is used (2^k passes, the identity
   *   included), as nnU-Net's mirroring;
   * - a list of axis sets, e.g. `[[], [1]]`: exactly those flips.
   * Default: every spatial axis (4 passes in 2D, 8 in 3D).
   */
  flips?: number[] | number[][];
}

function subsets(axes: number[]): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << axes.length; mask++) out.push(axes.filter((_, i) => (mask >> i) & 1));
  return out;
}

function checkAxis(fn: string, axis: unknown, spatialDims: number | undefined): void {
  const ok = typeof axis === 'number' && Number.isInteger(axis) && axis >= 0 && (spatialDims === undefined ? axis <= 2 : axis < spatialDims);
  if (!ok) {
    fail(fn, 'options.flips', axis, `spatial axis numbers 0..${spatialDims === undefined ? 2 : spatialDims - 1} (0 is the first spatial axis)`);
  }
}

/**
 * Wraps a predictor in test-time augmentation by mirroring: for each flip set the input is
 * mirrored along those spatial axes, predicted, mirrored back, and the results averaged
 * (nnU-Net's test-time mirroring; MONAI's `TestTimeAugmentation` with flips). Every output of a
 * multi-output network is averaged on its own. Average probabilities rather than logits when
 * the two differ for you (put the softmax inside the network or the function).
 *
 * @param predictor - a `tf.LayersModel` or a synchronous function `[B, ...spatial, C] -> [B, ...spatial, K]`.
 * @returns a synchronous predict function usable wherever a predictor is (e.g. {@link slidingWindowInference}).
 * @example
 * ```ts
 * const mirrored = testTimeAugmentation(model, { flips: [0, 1] }); // 4 passes
 * const probs = await slidingWindowInference(mirrored, image, { roiSize: 64 });
 * ```
 */
export function testTimeAugmentation(predictor: Predictor, options: TestTimeAugmentationOptions = {}): SyncPredictFn {
  const fn = 'testTimeAugmentation';
  const predict = toSyncPredictFn(fn, predictor);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['flips']);
  const { flips } = options;
  let explicit: number[][] | undefined;
  if (flips !== undefined) {
    if (!Array.isArray(flips) || flips.length === 0) fail(fn, 'options.flips', flips, 'a non-empty list of spatial axes or of axis sets');
    const nested = flips.every((f) => Array.isArray(f));
    const flat = flips.every((f) => !Array.isArray(f));
    if (!nested && !flat) fail(fn, 'options.flips', flips, 'either axes ([0, 1]) or axis sets ([[], [0]]), not a mix');
    explicit = nested ? (flips as number[][]).map((set) => [...set]) : subsets([...new Set(flips as number[])]);
    explicit.flat().forEach((axis) => checkAxis(fn, axis, undefined));
  }
  return (batch: tf.Tensor) => {
    if (!(batch instanceof tf.Tensor) || batch.rank < 3) fail(fn, 'batch', batch, 'a tensor [B, ...spatial, C]');
    const spatialDims = batch.rank - 2;
    const sets = explicit ?? subsets(Array.from({ length: spatialDims }, (_, i) => i));
    sets.flat().forEach((axis) => checkAxis(fn, axis, spatialDims));
    return tf.tidy(() => {
      let sums: tf.Tensor[] | undefined;
      let wasArray = false;
      for (const set of sets) {
        const axes = set.map((a) => a + 1);
        const input = axes.length > 0 ? tf.reverse(batch, axes) : batch;
        const raw = predict(input);
        wasArray = Array.isArray(raw);
        const outs = Array.isArray(raw) ? raw : [raw];
        const restored = outs.map((o) => {
          if (o.rank !== batch.rank) {
            throw new UnetKitError(fn, 'predictor', `returned rank ${o.rank} for input rank ${batch.rank}; mirroring needs [B, ...spatial, K] outputs.`);
          }
          return axes.length > 0 ? tf.reverse(o, axes) : o;
        });
        if (sums !== undefined && sums.length !== restored.length) {
          throw new UnetKitError(fn, 'predictor', 'returned a different number of outputs for different flips.');
        }
        sums = sums === undefined ? restored : sums.map((s, i) => tf.add(s, restored[i]!));
      }
      const means = sums!.map((s) => tf.div(s, sets.length));
      return wasArray ? means : means[0]!;
    });
  };
}
