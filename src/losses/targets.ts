import * as tf from '@tensorflow/tfjs-core';
import { assertFinite } from '../ops/assertFinite.js';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { LabelCheck } from './types.js';
import { isTensor } from '../ops/isTensor.js';
import { oneHot } from '../ops/oneHot.js';

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

// A NaN prediction inside fit usually means training diverged, not bad data.
const NAN_HINT = ' A NaN prediction during fit usually means training diverged (lower the learning rate; terminateOnNaN stops fit at the first one).';

/** Whether two shapes are equal (their comma-joined forms are, for arrays of integers). */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return String(a) === String(b);
}

/** Whether label values are read back and checked now (see {@link LabelCheck}). */
export function shouldCheckLabels(check: LabelCheck | undefined): boolean {
  if (check === undefined || check === 'auto') return HOST_MEMORY_BACKENDS.includes(tf.getBackend());
  return check;
}

/** The layout every loss expects of yPred, as error messages spell it. */
const PRED_LAYOUT = '[N, ...spatial, C]';

/**
 * Asserts `yPred` is a tensor of rank >= 2 (`[N, ...spatial, C]`) and `yTrue` a tensor.
 * Exported for losses that take other target layouts (deep supervision).
 */
export function assertLossInputs(fn: string, yTrue: unknown, yPred: unknown): asserts yTrue is tf.Tensor {
  if (!isTensor(yPred)) fail(fn, 'yPred', yPred, `a tf.Tensor of shape ${PRED_LAYOUT}`);
  if (!isTensor(yTrue)) fail(fn, 'yTrue', yTrue, `a tf.Tensor (one-hot ${PRED_LAYOUT} or label map [N, ...spatial])`);
  if (yPred.rank < 2) {
    throw new UnetKitError(
      fn,
      'yPred',
      `has shape ${formatValue(yPred.shape)} (rank ${yPred.rank}); expected rank >= 2: ${PRED_LAYOUT} with channels last.`,
    );
  }
  // yTrue is checked by checkLabels (label maps); yPred is where a diverged fit shows first.
  assertFinite(fn, 'yPred', yPred, NAN_HINT);
}

/**
 * Reads min, max and largest fractional part of the counted labels in one 3-number transfer, and
 * throws if a label is outside `[0, numClasses)` (or `[0, 1]` for a binary target) or not an
 * integer. `counted` is float32 `[M]` with ignored voxels already set to 0.
 */
function checkLabelValues(fn: string, counted: tf.Tensor, numClasses: number, binary: boolean, ignoreIndex: number | undefined): void {
  if (counted.size === 0) return;
  const stats = tf.stack([tf.min(counted), tf.max(counted), tf.max(tf.sub(counted, tf.floor(counted)))]);
  const [lo, hi, frac] = stats.dataSync();
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
  const { ignoreIndex, checkLabels } = options;
  const pred = yPred as tf.Tensor;
  const predShape = pred.shape;
  const numClasses = predShape.at(-1)!;
  const labelShape = predShape.slice(0, -1);
  const labelShape1 = [...labelShape, 1];
  const n = predShape[0]!;
  const voxels = labelShape.slice(1).reduce((a, b) => a * b, 1);
  const layout: [number, number, number] = [n, voxels, numClasses];

  const predShaped = sameShape(yTrue.shape, predShape);
  if (!predShaped && !sameShape(yTrue.shape, labelShape) && !sameShape(yTrue.shape, labelShape1)) {
    throw new UnetKitError(
      fn,
      'yTrue and yPred',
      `have shapes ${formatValue(yTrue.shape)} and ${formatValue(predShape)}; expected yTrue of shape ${formatValue(
        predShape,
      )} (one-hot), ${formatValue(labelShape1)} or ${formatValue(labelShape)} (integer label map).`,
    );
  }

  // With C = 1 both target shapes are a binary mask; [N, ...spatial, 1] with C > 1 is a label map.
  const kind: TargetKind = numClasses === 1 ? 'binary' : predShaped ? 'onehot' : 'labels';
  const target32 = tf.cast(yTrue, 'float32');
  let target: tf.Tensor;
  let mask: tf.Tensor | null = null;
  if (kind === 'onehot') {
    target = tf.reshape(target32, layout);
    // An ignoreIndex outside [0, C) names no channel, so nothing can be ignored.
    if (ignoreIndex !== undefined && ignoreIndex >= 0 && ignoreIndex < numClasses) {
      mask = tf.cast(tf.less(tf.slice(target, [0, 0, ignoreIndex], [n, voxels, 1]), 0.5), 'float32');
    }
  } else {
    const flat = tf.reshape(target32, [n * voxels]);
    const keep = ignoreIndex === undefined ? null : tf.notEqual(flat, ignoreIndex);
    const counted = keep === null ? flat : tf.where(keep, flat, tf.zerosLike(flat));
    if (shouldCheckLabels(checkLabels)) checkLabelValues(fn, counted, numClasses, kind === 'binary', ignoreIndex);
    if (keep !== null) mask = tf.reshape(tf.cast(keep, 'float32'), [n, voxels, 1]);
    target = tf.reshape(kind === 'binary' ? counted : oneHot(counted, numClasses), layout);
  }
  return {
    pred: tf.reshape(pred.dtype === 'float32' ? pred : tf.cast(pred, 'float32'), layout) as tf.Tensor3D,
    // Zero at ignored voxels (a label map's ignored voxels read as class 0 until here).
    target: (mask === null ? target : tf.mul(target, mask)) as tf.Tensor3D,
    mask: mask as tf.Tensor3D | null,
    numClasses,
    kind,
  };
}

/**
 * Converts an integer label map (any shape) to float32 one-hot with a trailing axis of
 * `numClasses`, checking the values first as {@link preparePair} does. Call inside `tf.tidy`.
 */
export function labelsToOneHot(fn: string, labels: tf.Tensor, numClasses: number, checkLabels: LabelCheck | undefined): tf.Tensor {
  const flat = tf.reshape(tf.cast(labels, 'float32'), [labels.size]);
  if (shouldCheckLabels(checkLabels)) checkLabelValues(fn, flat, numClasses, false, undefined);
  return tf.reshape(oneHot(flat, numClasses), [...labels.shape, numClasses]);
}
