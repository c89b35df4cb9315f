import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertKnownKeys, assertNumberArray, assertOptionsObject, fail, type Shaped } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { named } from './common.js';
import { labelsToOneHot } from './targets.js';
import type { LabelCheck, LossFunction } from './types.js';

/**
 * nnU-Net's deep-supervision weights for `numOutputs` outputs ordered highest resolution
 * first: `w_i = 1 / 2^i`, the lowest-resolution output's weight set to 0, then normalized to
 * sum 1 (nnU-Net v2 `nnUNetTrainer._build_loss`). One output gets `[1]`.
 *
 * @example `deepSupervisionWeights(4)` is `[4/7, 2/7, 1/7, 0]`.
 */
export function deepSupervisionWeights(numOutputs: number): number[] {
  assertInteger('deepSupervisionWeights', 'numOutputs', numOutputs, { min: 1 });
  if (numOutputs === 1) return [1];
  const raw = Array.from({ length: numOutputs }, (_, i) => (i === numOutputs - 1 ? 0 : 1 / 2 ** i));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) idx[d] = Math.min(Math.floor((d + 0.5) * scale), inSize - 1);
  return idx;
}

/**
 * Nearest-neighbour resampling of a target (label map `[N, ...spatial]` or one-hot / mask
 * `[N, ...spatial, C]`) to `spatialShape`, with half-pixel centres: output voxel d reads input
 * voxel `floor((d + 0.5) * in / out)` (torch `'nearest-exact'`, as nnU-Net v2 down-samples
 * segmentations for deep supervision). For a factor of 2 that is voxels 1, 3, 5, ... Labels
 * stay labels, one-hot stays one-hot; no blending.
 *
 * @example
 * ```ts
 * const small = downsampleTarget(labels, [32, 32]); // [N, 64, 64] -> [N, 32, 32]
 * ```
 */
export function downsampleTarget(yTrue: tf.Tensor, spatialShape: readonly number[]): tf.Tensor {
  const fn = 'downsampleTarget';
  if (!(yTrue instanceof tf.Tensor)) fail(fn, 'yTrue', yTrue, 'a tf.Tensor');
  assertNumberArray(fn, 'spatialShape', spatialShape, { min: 1, integer: true });
  const k = spatialShape.length;
  if (yTrue.rank !== k + 1 && yTrue.rank !== k + 2) {
    throw new UnetKitError(
      fn,
      'yTrue',
      `has shape ${formatValue(yTrue.shape)} (rank ${yTrue.rank}); for ${k} spatial axes expected rank ${k + 1} ([N, ...spatial]) or ${
        k + 2
      } ([N, ...spatial, C]).`,
    );
  }
  return tf.tidy(() => {
    let out = yTrue;
    for (let axis = 1; axis <= k; axis++) {
      const inSize = yTrue.shape[axis]!;
      const outSize = spatialShape[axis - 1]!;
      if (inSize !== outSize) out = tf.gather(out, tf.tensor1d(nearestIndices(inSize, outSize), 'int32'), axis);
    }
    return out === yTrue ? tf.clone(yTrue) : out;
  });
}

function spatialOf(fn: string, argument: string, shape: ReadonlyArray<number | null>): number[] {
  const spatial = shape.slice(1, -1);
  if (shape.length < 3 || spatial.some((d) => d === null || d === undefined)) {
    fail(fn, argument, shape, 'a shape [N, ...spatial, C] with known spatial sizes');
  }
  return spatial as number[];
}

/** Options of {@link deepSupervisionTargets}. */
export interface DeepSupervisionTargetsOptions {
  /** Check label-map values before one-hot encoding (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/**
 * The targets `model.fit` needs for a deep-supervision model: for each output (shape
 * `[N, ...spatial, C]`, highest resolution first, e.g. `model.outputs`), `yTrue` resampled with
 * {@link downsampleTarget} and brought to the output's shape: label maps `[N, ...spatial]` or
 * `[N, ...spatial, 1]` are one-hot encoded to C channels when C > 1 (tfjs' `fit` requires
 * targets shaped like the outputs).
 *
 * @example
 * ```ts
 * await model.fit(x, deepSupervisionTargets(labels, model.outputs), { epochs: 1 });
 * ```
 */
export function deepSupervisionTargets(
  yTrue: tf.Tensor,
  outputs: readonly Shaped[],
  options: DeepSupervisionTargetsOptions = {},
): tf.Tensor[] {
  const fn = 'deepSupervisionTargets';
  if (!(yTrue instanceof tf.Tensor)) fail(fn, 'yTrue', yTrue, 'a tf.Tensor');
  if (!Array.isArray(outputs) || outputs.length === 0) fail(fn, 'outputs', outputs, 'a non-empty array of outputs (tensors or shapes)');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['checkLabels']);
  const shapes = outputs.map((o, i) => spatialOf(fn, `outputs[${i}].shape`, (o as Shaped)?.shape ?? []));
  const channels = outputs.map((o) => o.shape[o.shape.length - 1] as number);
  const result: tf.Tensor[] = [];
  try {
    outputs.forEach((_, i) => {
      result.push(
        tf.tidy(() => {
          const spatial = shapes[i]!;
          const c = channels[i]!;
          const small = downsampleTarget(yTrue, spatial);
          const isLabelMap = small.rank === spatial.length + 1 || (c > 1 && small.shape[small.rank - 1] === 1);
          if (!isLabelMap) return small;
          const labels = small.rank === spatial.length + 2 ? tf.squeeze(small, [small.rank - 1]) : small;
          return c > 1 ? labelsToOneHot(fn, labels, c, options.checkLabels) : tf.expandDims(tf.cast(labels, 'float32'), -1);
        }),
      );
    });
  } catch (e) {
    tf.dispose(result);
    throw e;
  }
  return result;
}

/** Options of {@link deepSupervisionLoss} and {@link deepSupervisionLosses}. */
export interface DeepSupervisionOptions {
  /** One weight >= 0 per output, highest resolution first. Default {@link deepSupervisionWeights}. */
  weights?: number[];
}

/**
 * A deep-supervision loss for custom training loops: `yPreds` are the model's outputs, highest
 * resolution first; `yTrue` is the full-resolution target (down-sampled to each output with
 * {@link downsampleTarget}) or an array of per-output targets.
 */
export type DeepSupervisionLossFunction = (yTrue: tf.Tensor | readonly tf.Tensor[], yPreds: readonly tf.Tensor[]) => tf.Scalar;

function resolveWeights(fn: string, options: DeepSupervisionOptions | undefined): number[] | undefined {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['weights']);
  if (options?.weights === undefined) return undefined;
  assertNumberArray(fn, 'options.weights', options.weights, { min: 0 });
  if (options.weights.every((w) => w === 0)) fail(fn, 'options.weights', options.weights, 'at least one weight > 0');
  return [...options.weights];
}

function assertLoss(fn: string, loss: unknown): asserts loss is LossFunction {
  if (typeof loss !== 'function') fail(fn, 'loss', loss, 'a loss function (yTrue, yPred) => tf.Scalar, e.g. diceCELoss()');
}

function scalarOf(fn: string, value: tf.Tensor, i: number): tf.Tensor {
  if (value.rank !== 0) {
    throw new UnetKitError(fn, 'loss', `returned shape ${formatValue(value.shape)} for output ${i}; expected a scalar (reduction 'mean' or 'sum').`);
  }
  return value;
}

/**
 * Deep supervision (nnU-Net `DeepSupervisionWrapper`): `loss = sum_i w_i * loss(yTrue_i, yPreds[i])`,
 * with `yTrue_i` the target nearest-down-sampled to output i and, by default, nnU-Net's
 * weights ({@link deepSupervisionWeights}: `1 / 2^i`, lowest resolution 0, normalized).
 * Outputs with weight 0 are not evaluated.
 *
 * Two ways to train with it:
 * - Custom loop: `optimizer.minimize(() => dsLoss(yTrue, model.apply(x, { training: true }) as tf.Tensor[]))`;
 *   the full-resolution label map or one-hot target is resampled here, each call.
 * - `model.compile` (tfjs calls one loss per output and sums them, and has no `lossWeights`):
 *   use {@link deepSupervisionLosses}, which folds each weight into its output's loss, and pass
 *   `deepSupervisionTargets(yTrue, model.outputs)` to `model.fit`.
 *
 * @example
 * ```ts
 * const dsLoss = deepSupervisionLoss(diceCELoss());
 * const value = optimizer.minimize(() => dsLoss(labels, model.apply(x, { training: true }) as tf.Tensor[]), true);
 * ```
 */
export function deepSupervisionLoss(loss: LossFunction, options?: DeepSupervisionOptions): DeepSupervisionLossFunction {
  const fn = 'deepSupervisionLoss';
  assertLoss(fn, loss);
  const fixed = resolveWeights(fn, options);
  return named(fn, (yTrue: tf.Tensor | readonly tf.Tensor[], yPreds: readonly tf.Tensor[]) =>
    tf.tidy(() => {
      if (!Array.isArray(yPreds) || yPreds.length === 0 || yPreds.some((p) => !(p instanceof tf.Tensor))) {
        fail(fn, 'yPreds', yPreds, 'a non-empty array of output tensors, highest resolution first');
      }
      const weights = fixed ?? deepSupervisionWeights(yPreds.length);
      if (weights.length !== yPreds.length) {
        fail(fn, 'options.weights', weights, `${yPreds.length} weights, one per output`);
      }
      if (Array.isArray(yTrue) && yTrue.length !== yPreds.length) {
        fail(fn, 'yTrue', `${yTrue.length} targets`, `one target per output (${yPreds.length}), or one full-resolution target`);
      }
      let total: tf.Tensor = tf.scalar(0);
      yPreds.forEach((pred, i) => {
        const w = weights[i]!;
        if (w === 0) return;
        let target: tf.Tensor;
        if (Array.isArray(yTrue)) target = yTrue[i] as tf.Tensor;
        else {
          const full = yTrue as tf.Tensor;
          if (!(full instanceof tf.Tensor)) fail(fn, 'yTrue', full, 'a tf.Tensor or an array of them, one per output');
          target = downsampleTarget(full, spatialOf(fn, `yPreds[${i}].shape`, pred.shape));
        }
        total = tf.add(total, tf.mul(scalarOf(fn, loss(target, pred), i), w));
      });
      return total as tf.Scalar;
    }),
  );
}

/**
 * Deep supervision for `model.compile`: one loss per output, the i-th being
 * `w_i * loss(yTrue_i, yPred_i)` (default weights {@link deepSupervisionWeights}), since tfjs
 * 4.22 sums per-output losses and supports no `lossWeights`. Targets must already be shaped like
 * each output: build them with {@link deepSupervisionTargets}. An output of weight 0 returns 0
 * (tfjs still wants a target for it).
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: deepSupervisionLosses(diceCELoss(), model.outputs.length) });
 * await model.fit(x, deepSupervisionTargets(labels, model.outputs), { epochs: 10 });
 * ```
 */
export function deepSupervisionLosses(loss: LossFunction, numOutputs: number, options?: DeepSupervisionOptions): LossFunction[] {
  const fn = 'deepSupervisionLosses';
  assertLoss(fn, loss);
  assertInteger(fn, 'numOutputs', numOutputs, { min: 1 });
  const weights = resolveWeights(fn, options) ?? deepSupervisionWeights(numOutputs);
  if (weights.length !== numOutputs) fail(fn, 'options.weights', weights, `${numOutputs} weights, one per output`);
  return weights.map((w, i) =>
    named(`deepSupervision_${i}`, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
      tf.tidy(() => (w === 0 ? tf.scalar(0) : tf.mul(scalarOf(fn, loss(yTrue, yPred), i), w))),
    ),
  );
}
