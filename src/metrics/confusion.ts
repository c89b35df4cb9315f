import * as tf from '@tensorflow/tfjs-core';
import { assertFinite } from '../ops/assertFinite.js';
import { isTensor } from '../ops/isTensor.js';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOptionsObject,
  assertRank,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { oneHot } from '../ops/oneHot.js';

/** Options of {@link confusionStats}. */
export interface ConfusionStatsOptions {
  /**
   * Number of classes. Needed when neither input is one-hot (both label maps); otherwise taken
   * from the channel axis and, if given, checked against it.
   */
  numClasses?: number;
  /**
   * Probability threshold, `pred >= threshold` is foreground. Single-channel (binary)
   * predictions use 0.5 when it is not given. Giving it for a multi-channel prediction makes it
   * multi-label (each channel thresholded on its own) instead of multi-class (argmax).
   */
  threshold?: number;
  /** Label value in a label-map target whose voxels are left out of all four counts (e.g. 255). */
  ignoreIndex?: number;
  /** Keep class 0. Default `true` (MONAI's `DiceMetric` default); false drops it when K > 1. */
  includeBackground?: boolean;
  /**
   * Whether the label values are checked (in range, one-hot 0/1) with a small synchronous read.
   * Default `'auto'`: on the cpu, wasm and tensorflow backends, where it is one cheap read; off
   * on webgl and webgpu, where a synchronous read stalls the GPU and, on WebGPU in Chromium,
   * lost the device for good (tfjs 4.22's `readSync` on SwiftShader: every later read failed with
   * "mapAsync: A valid external Instance reference no longer exists"). Unchecked, a label
   * outside `[0, K)` counts as no class. `true` checks on every backend.
   */
  checkValues?: boolean | 'auto';
}

// Backends whose tensors live in host memory: the value check is one small read there.
const HOST_MEMORY_BACKENDS = ['cpu', 'wasm', 'tensorflow'];

/**
 * Per sample and class voxel counts: true positives, false positives, false negatives, true
 * negatives; each an `int32` tensor `[N, K]` (exact for up to 2^31 voxels per sample).
 */
// A type alias, not an interface, so it is a `tf.TensorContainer`: `tf.dispose(stats)` works.
export type ConfusionStats = {
  tp: tf.Tensor2D;
  fp: tf.Tensor2D;
  fn: tf.Tensor2D;
  tn: tf.Tensor2D;
};

const FN = 'confusionStats';

type PredKind =
  | { kind: 'binary' | 'multiclass' | 'multilabel'; spatial: number[]; classes: number }
  | { kind: 'labels'; spatial: number[]; classes: number | undefined };

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describePred(pred: tf.Tensor, threshold: number | undefined): PredKind {
  if (pred.dtype === 'int32') {
    assertRank(FN, 'pred', pred, [2, 3, 4, 5, 6], 'an int32 label map [N, ...spatial] or [N, ...spatial, 1]');
    const dims = pred.shape.slice(1);
    const spatial = dims.length >= 2 && dims[dims.length - 1] === 1 ? dims.slice(0, -1) : dims;
    return { kind: 'labels', spatial, classes: undefined };
  }
  assertRank(FN, 'pred', pred, [3, 4, 5, 6], 'scores [N, ...spatial, C] (or an int32 label map)');
  const classes = pred.shape[pred.shape.length - 1]!;
  const spatial = pred.shape.slice(1, -1);
  const kind = classes === 1 ? 'binary' : threshold === undefined ? 'multiclass' : 'multilabel';
  return { kind, spatial, classes };
}

type TargetKind = { kind: 'onehot'; classes: number } | { kind: 'labels' };

function describeTarget(target: tf.Tensor, pred: tf.Tensor, p: PredKind): TargetKind {
  if (target === null || typeof target !== 'object' || !Array.isArray(target.shape)) fail(FN, 'target', target, 'a tensor');
  const dims = target.shape.slice(1);
  const mismatch = (): never => {
    const expected =
      p.kind === 'labels'
        ? `[N, ${p.spatial.join(', ')}] or [N, ${p.spatial.join(', ')}, 1] (label map) or [N, ${p.spatial.join(', ')}, C] (one-hot)`
        : `[N, ${p.spatial.join(', ')}, ${p.classes}] (one-hot) or [N, ${p.spatial.join(', ')}] / [N, ${p.spatial.join(', ')}, 1] (label map)`;
    throw new UnetKitError(
      FN,
      'pred and target',
      `have shapes ${formatValue(pred.shape)} and ${formatValue(target.shape)}; expected target ${expected} with N = ${pred.shape[0]}` +
        (p.kind === 'labels' ? ` (an int32 pred is read as a label map; cast one-hot predictions, e.g. from tf.oneHot, to 'float32').` : '.'),
    );
  };
  if (target.shape[0] !== pred.shape[0]) mismatch();
  if (sameDims(dims, p.spatial)) return { kind: 'labels' };
  if (dims.length !== p.spatial.length + 1 || !sameDims(dims.slice(0, -1), p.spatial)) mismatch();
  const last = dims[dims.length - 1]!;
  if (p.kind === 'labels') return last === 1 ? { kind: 'labels' } : { kind: 'onehot', classes: last };
  if (last === p.classes) return { kind: 'onehot', classes: last };
  if (last === 1) return { kind: 'labels' };
  return mismatch();
}

/**
 * Reads the few numbers that validate the values (label range, one-hot being 0/1) in one
 * synchronous transfer; a wrong label would otherwise silently count as "no class".
 */
function validateValues(
  pred: tf.Tensor,
  target: tf.Tensor,
  predLabels: boolean,
  targetLabels: boolean,
  labelCount: number,
  ignoreIndex: number | undefined,
): void {
  const checks = tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    const labelStats = (t: tf.Tensor, ignore: number | undefined): void => {
      const x = tf.cast(t, 'float32');
      const kept = ignore === undefined ? x : tf.where(tf.equal(x, ignore), tf.zerosLike(x), x);
      parts.push(tf.min(kept), tf.max(kept), tf.sum(tf.abs(tf.sub(kept, tf.round(kept)))));
    };
    if (predLabels) labelStats(pred, undefined);
    else parts.push(tf.scalar(0), tf.scalar(0), tf.scalar(0));
    if (targetLabels) labelStats(target, ignoreIndex);
    else {
      const x = tf.cast(target, 'float32');
      parts.push(tf.min(x), tf.max(x), tf.sum(tf.abs(tf.mul(x, tf.sub(1, x)))));
    }
    return tf.stack(parts);
  });
  const [pMin, pMax, , tMin, tMax, tFrac] = Array.from(checks.dataSync());
  checks.dispose();
  const classRange = `integers in [0, ${labelCount})`;
  const range = `${classRange}${ignoreIndex !== undefined ? ` or ignoreIndex ${ignoreIndex}` : ''}`;
  if (predLabels && (pMin! < 0 || pMax! >= labelCount)) {
    throw new UnetKitError(FN, 'pred', `has label ${pMin! < 0 ? pMin : pMax}; expected ${classRange} (numClasses ${labelCount}).`);
  }
  if (targetLabels) {
    if (Number.isNaN(tMin!) || Number.isNaN(tMax!) || tFrac! > 0) {
      throw new UnetKitError(FN, 'target', `has non-integer labels; expected ${range}.`);
    }
    if (tMin! < 0 || tMax! >= labelCount) {
      throw new UnetKitError(
        FN,
        'target',
        `has label ${tMin! < 0 ? tMin : tMax}; expected ${range} (numClasses ${labelCount}${
          labelCount === 2 && !predLabels ? ', a single-channel prediction is binary: labels 0 and 1' : ''
        }).`,
      );
    }
  } else if (Number.isNaN(tMin!) || tMin! < 0 || tMax! > 1 || tFrac! > 0) {
    throw new UnetKitError(
      FN,
      'target',
      `has values outside {0, 1} (min ${tMin}, max ${tMax}); expected a one-hot (or binary) mask. ` +
        `For an integer label map with a channel axis give it shape [N, ...spatial] or [N, ...spatial, 1].`,
    );
  }
}

function squeezeChannel(t: tf.Tensor, spatialRank: number): tf.Tensor {
  return t.shape.length === spatialRank + 2 ? tf.squeeze(t, [t.shape.length - 1]) : t;
}

/**
 * Confusion statistics per sample and class (TP, FP, FN, TN voxel counts), the input of
 * {@link dice}, {@link iou}, {@link precision}, {@link recall}, {@link specificity},
 * {@link fBeta} and {@link accuracy} (SMP's `get_stats`, MONAI's `get_confusion_matrix`).
 *
 * Input conventions (channels last, any spatial rank):
 * | `pred` | meaning |
 * |---|---|
 * | float `[N, ...S, 1]` | binary probabilities; foreground `pred >= threshold` (0.5); K = 1 class |
 * | float `[N, ...S, C]`, C > 1, no `threshold` | multi-class scores (probabilities or logits); argmax; K = C |
 * | float `[N, ...S, C]`, C > 1, `threshold` given | multi-label; each channel `>= threshold`; K = C |
 * | int32 `[N, ...S]` or `[N, ...S, 1]` | label map (e.g. an argmax); K = `numClasses` (or the target's channels) |
 *
 * The dtype tells a label map from scores: an `int32` prediction is always a label map, so cast
 * one-hot predictions (`tf.oneHot` returns int32) to `float32` or `bool` first; bool and float
 * predictions are scores or masks.
 *
 * | `target` | meaning |
 * |---|---|
 * | `[N, ...S, K]` (same channels as `pred`) | one-hot / binary masks, values 0 or 1 |
 * | `[N, ...S]` or `[N, ...S, 1]`, any dtype | integer label map in `[0, K)` (binary: 0 / 1), or `ignoreIndex` |
 *
 * Voxels whose target label is `ignoreIndex` are left out of every count. Values are checked
 * (labels in range, one-hot 0/1) with one small synchronous read on the cpu, wasm and tensorflow
 * backends, not on webgl and webgpu unless `checkValues` is true (see {@link ConfusionStatsOptions}).
 *
 * @returns `{ tp, fp, fn, tn }`, `int32` tensors `[N, K]` owned by the caller (dispose them).
 * @example
 * ```ts
 * const stats = confusionStats(probs, labels, { numClasses: 3 });
 * const d = dice(stats, { reduction: 'none' }); // [N, 3]
 * tf.dispose([stats, d]);
 * ```
 */
export function confusionStats(pred: tf.Tensor, target: tf.Tensor, options: ConfusionStatsOptions = {}): ConfusionStats {
  assertOptionsObject(FN, options);
  assertKnownKeys(FN, options, ['numClasses', 'threshold', 'ignoreIndex', 'includeBackground', 'checkValues']);
  const { numClasses, threshold, ignoreIndex, includeBackground = true, checkValues = 'auto' } = options ?? {};
  if (checkValues !== true && checkValues !== false && checkValues !== 'auto') fail(FN, 'options.checkValues', checkValues, "true, false or 'auto'");
  if (numClasses !== undefined) assertInteger(FN, 'options.numClasses', numClasses, { min: 1 });
  if (threshold !== undefined) assertNumber(FN, 'options.threshold', threshold);
  if (ignoreIndex !== undefined) assertInteger(FN, 'options.ignoreIndex', ignoreIndex);
  assertBoolean(FN, 'options.includeBackground', includeBackground);
  assertRank(FN, 'pred', pred, [2, 3, 4, 5, 6]);
  assertFinite(FN, 'pred', pred);
  if (isTensor(target)) assertFinite(FN, 'target', target);
  const p = describePred(pred, threshold);
  const t = describeTarget(target, pred, p);

  let classes: number;
  if (p.kind === 'labels') {
    const fromTarget = t.kind === 'onehot' ? t.classes : undefined;
    if (fromTarget === undefined && numClasses === undefined) {
      fail(FN, 'options.numClasses', undefined, 'the number of classes, needed when pred and target are both label maps');
    }
    classes = fromTarget ?? numClasses!;
  } else classes = p.classes;
  if (numClasses !== undefined && numClasses !== classes) {
    fail(
      FN,
      'options.numClasses',
      numClasses,
      `${classes}, the channel count of ${p.kind === 'labels' ? 'target' : 'pred'}${p.kind === 'binary' ? ' (a single-channel prediction is binary: one foreground class)' : ''}`,
    );
  }
  if (ignoreIndex !== undefined && t.kind === 'onehot') {
    fail(FN, 'options.ignoreIndex', ignoreIndex, 'undefined for a one-hot target (it needs a label-map target [N, ...spatial])');
  }
  // A binary prediction's label-map target holds 0 / 1: two label values, one counted class.
  const labelCount = p.kind === 'binary' ? 2 : classes;
  if (checkValues === true || (checkValues === 'auto' && HOST_MEMORY_BACKENDS.includes(tf.getBackend()))) {
    validateValues(pred, target, p.kind === 'labels', t.kind === 'labels', labelCount, ignoreIndex);
  }

  const spatialRank = p.spatial.length;
  // tfjs-backend-webgpu 4.22's Transpose (which a sum over the spatial axes runs) does not compile
  // for int32 input ("expected 'f32', got 'i32'") and the counts came back zero: count in float32
  // there (exact up to 2^24 voxels per sample) and cast the four tables to int32.
  const counting: 'int32' | 'float32' = tf.getBackend() === 'webgpu' ? 'float32' : 'int32';
  return tf.tidy(() => {
    let predHot: tf.Tensor;
    if (p.kind === 'labels') predHot = oneHot(squeezeChannel(pred, spatialRank), classes, counting);
    else {
      const scores = tf.cast(pred, 'float32');
      predHot =
        p.kind === 'multiclass'
          ? oneHot(tf.argMax(scores, -1), classes, counting)
          : tf.cast(tf.greaterEqual(scores, threshold ?? 0.5), counting);
    }

    let targetHot: tf.Tensor;
    let valid: tf.Tensor | undefined;
    if (t.kind === 'onehot') targetHot = tf.cast(target, counting);
    else {
      const labels = tf.cast(squeezeChannel(target, spatialRank), 'int32');
      let kept = labels;
      if (ignoreIndex !== undefined) {
        valid = tf.expandDims(tf.cast(tf.notEqual(labels, ignoreIndex), counting), -1);
        kept = tf.where(tf.equal(labels, ignoreIndex), tf.zerosLike(labels), labels);
      }
      targetHot = p.kind === 'binary' ? tf.expandDims(tf.cast(tf.equal(kept, 1), counting), -1) : oneHot(kept, classes, counting);
    }
    if (valid !== undefined) {
      predHot = tf.mul(predHot, valid);
      targetHot = tf.mul(targetHot, valid);
    }
    const axes = Array.from({ length: spatialRank }, (_, i) => i + 1);
    const tp = tf.sum(tf.mul(predHot, targetHot), axes);
    const predSum = tf.sum(predHot, axes);
    const targetSum = tf.sum(targetHot, axes);
    const voxels = p.spatial.reduce((a, b) => a * b, 1);
    const count = valid !== undefined ? tf.sum(valid, axes) : tf.fill([pred.shape[0]!, 1], voxels, counting);
    const fp = tf.sub(predSum, tp);
    const fn = tf.sub(targetSum, tp);
    const tn = tf.add(tf.sub(tf.sub(count, predSum), targetSum), tp);
    const keep = (x: tf.Tensor): tf.Tensor2D =>
      tf.cast(!includeBackground && classes > 1 ? tf.slice(x, [0, 1], [-1, classes - 1]) : x, 'int32') as tf.Tensor2D;
    return { tp: keep(tp), fp: keep(fp), fn: keep(fn), tn: keep(tn) };
  });
}
