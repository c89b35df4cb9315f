import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LabelCheck } from './types.js';

/** How a target was read: one-hot `[N, ..., C]`, an integer label map, or a binary mask (C = 1). */
export type TargetKind = 'onehot' | 'labels' | 'binary';

/** A prediction and its target brought to one layout, `[N, V, C]` with V the voxel count. */
export interface PreparedPair {
  /** `yPred` as float32 `[N, V, C]`, no activation applied. */
  pred: tf.Tensor3D;
  /** The target as float32 one-hot (or soft) `[N, V, C]`, zero at ignored voxels. */
  target: tf.Tensor3D;
  /** `[N, V, 1]`, 1 where a voxel counts and 0 where its label is `ignoreIndex`; null if none can be. */
  mask: tf.Tensor3D | null;
  /** C, the number of prediction channels. */
  numClasses: number;
  /** How `yTrue` was interpreted. */
  kind: TargetKind;
}

/** Options of {@link preparePair}. */
export interface PrepareOptions {
  ignoreIndex?: number;
  checkLabels?: LabelCheck;
}

const HOST_MEMORY_BACKENDS = ['cpu', 'wasm', 'tensorflow'];

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isTensorLike(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** Whether label values are read back and checked now (see {@link LabelCheck}). */
export function shouldCheckLabels(check: LabelCheck | undefined): boolean {
  if (check === undefined || check === 'auto') return HOST_MEMORY_BACKENDS.includes(tf.getBackend());
  return check;
}

/**
 * Asserts `yPred` is a tensor of rank >= 2 (`[N, ...spatial, C]`) and `yTrue` a tensor.
 * Exported for losses that take other target layouts (deep supervision).
 */
export function assertLossInputs(fn: string, yTrue: unknown, yPred: unknown): asserts yTrue is tf.Tensor {
  if (!isTensorLike(yPred)) fail(fn, 'yPred', yPred, 'a tf.Tensor of shape [N, ...spatial, C]');
  if (!isTensorLike(yTrue)) fail(fn, 'yTrue', yTrue, 'a tf.Tensor (one-hot [N, ...spatial, C] or label map [N, ...spatial])');
  if (yPred.rank < 2) {
    throw new UnetKitError(
      fn,
      'yPred',
      `has shape ${formatValue(yPred.shape)} (rank ${yPred.rank}); expected rank >= 2: [N, ...spatial, C] with channels last.`,
    );
  }
}

/**
 * Reads min, max and largest fractional part of the counted labels in one 3-number transfer, and
 * throws if a label is outside `[0, numClasses)` (or `[0, 1]` for a binary target) or not an
 * integer. `labels` is float32 `[M]`, `mask` boolean `[M]` or null.
 */
function checkLabelValues(
  fn: string,
  labels: tf.Tensor,
  mask: tf.Tensor | null,
  numClasses: number,
  binary: boolean,
  ignoreIndex: number | undefined,
): void {
  if (labels.size === 0) return;
  const counted = mask === null ? labels : tf.where(mask, labels, tf.zerosLike(labels));
  const stats = tf.stack([tf.min(counted), tf.max(counted), tf.max(tf.sub(counted, tf.floor(counted)))]);
  const [lo, hi, frac] = Array.from(stats.dataSync());
  const ignoreNote = ignoreIndex !== undefined ? ` (or ignoreIndex ${ignoreIndex})` : '';
  if (binary) {
    // Soft binary targets are fine; anything outside [0, 1] (or NaN) is not a mask.
    if (!(lo! >= 0 && hi! <= 1)) {
      const bad = !(lo! >= 0) ? lo : hi;
      throw new UnetKitError(
        fn,
        'yTrue',
        `contains ${formatValue(bad)}; a single-channel prediction needs a binary target with values in [0, 1]${ignoreNote}.`,
      );
    }
    return;
  }
  if (!(lo! >= 0 && hi! < numClasses && frac === 0)) {
    const bad = !(lo! >= 0) ? lo : !(hi! < numClasses) ? hi : 'a non-integer value';
    throw new UnetKitError(
      fn,
      'yTrue',
      `contains label ${formatValue(bad)}; yPred has ${numClasses} channels, so labels must be integers in [0, ${
        numClasses - 1
      }]${ignoreNote}.`,
    );
  }
}

/**
 * Brings `yTrue` and `yPred` to one layout, `[N, V, C]`, for every loss. Call inside `tf.tidy`.
 *
 * `yTrue` may be one-hot (or soft) `[N, ...spatial, C]`, an integer label map `[N, ...spatial]` or
 * `[N, ...spatial, 1]` (converted here with `tf.oneHot`), or, when C = 1, a binary mask of either
 * shape. Voxels whose label equals `ignoreIndex` (for one-hot targets: whose channel
 * `ignoreIndex` is set) are zeroed in the target and reported in `mask`.
 *
 * Label maps are checked (see {@link LabelCheck}) because `tf.oneHot` silently maps an
 * out-of-range label to an all-zero row; the check only reads the target, so gradients through
 * `yPred` are untouched.
 */
export function preparePair(fn: string, yTrue: unknown, yPred: unknown, options: PrepareOptions = {}): PreparedPair {
  assertLossInputs(fn, yTrue, yPred);
  const pred = yPred as tf.Tensor;
  const predShape = pred.shape;
  const numClasses = predShape[predShape.length - 1]!;
  const labelShape = predShape.slice(0, -1);
  const n = predShape[0]!;
  const voxels = labelShape.slice(1).reduce((a, b) => a * b, 1);
  const { ignoreIndex } = options;

  let kind: TargetKind;
  if (sameShape(yTrue.shape, predShape)) kind = numClasses === 1 ? 'binary' : 'onehot';
  else if (sameShape(yTrue.shape, labelShape)) kind = numClasses === 1 ? 'binary' : 'labels';
  else if (sameShape(yTrue.shape, [...labelShape, 1])) kind = 'labels';
  else {
    throw new UnetKitError(
      fn,
      'yTrue and yPred',
      `have shapes ${formatValue(yTrue.shape)} and ${formatValue(predShape)}; expected yTrue of shape ${formatValue(
        predShape,
      )} (one-hot), ${formatValue([...labelShape, 1])} or ${formatValue(labelShape)} (integer label map).`,
    );
  }

  const pred3 = tf.reshape(pred.dtype === 'float32' ? pred : tf.cast(pred, 'float32'), [n, voxels, numClasses]) as tf.Tensor3D;
  const check = shouldCheckLabels(options.checkLabels);

  if (kind === 'onehot') {
    const target = tf.reshape(tf.cast(yTrue, 'float32'), [n, voxels, numClasses]) as tf.Tensor3D;
    if (ignoreIndex === undefined || ignoreIndex < 0 || ignoreIndex >= numClasses) {
      return { pred: pred3, target, mask: null, numClasses, kind };
    }
    const ignored = tf.slice(target, [0, 0, ignoreIndex], [n, voxels, 1]);
    const mask = tf.cast(tf.less(ignored, 0.5), 'float32') as tf.Tensor3D;
    return { pred: pred3, target: tf.mul(target, mask), mask, numClasses, kind };
  }

  const flat = tf.reshape(tf.cast(yTrue, 'float32'), [n * voxels]);
  const keep = ignoreIndex === undefined ? null : tf.notEqual(flat, ignoreIndex);
  if (check) checkLabelValues(fn, flat, keep, numClasses, kind === 'binary', ignoreIndex);
  const counted = keep === null ? flat : tf.where(keep, flat, tf.zerosLike(flat));
  const mask = keep === null ? null : (tf.reshape(tf.cast(keep, 'float32'), [n, voxels, 1]) as tf.Tensor3D);

  if (kind === 'binary') {
    return { pred: pred3, target: tf.reshape(counted, [n, voxels, 1]), mask, numClasses, kind };
  }
  let target = tf.reshape(tf.oneHot(tf.cast(counted, 'int32'), numClasses), [n, voxels, numClasses]) as tf.Tensor3D;
  target = tf.cast(target, 'float32');
  if (mask !== null) target = tf.mul(target, mask);
  return { pred: pred3, target, mask, numClasses, kind };
}

/**
 * Converts an integer label map (any shape) to float32 one-hot with a trailing axis of
 * `numClasses`, checking the values first as {@link preparePair} does. Call inside `tf.tidy`.
 */
export function labelsToOneHot(fn: string, labels: tf.Tensor, numClasses: number, checkLabels: LabelCheck | undefined): tf.Tensor {
  const flat = tf.reshape(tf.cast(labels, 'float32'), [labels.size]);
  if (shouldCheckLabels(checkLabels)) checkLabelValues(fn, flat, null, numClasses, false, undefined);
  return tf.reshape(tf.cast(tf.oneHot(tf.cast(flat, 'int32'), numClasses), 'float32'), [...labels.shape, numClasses]);
}
