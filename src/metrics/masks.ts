import type * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertNumberArray, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isTensor } from '../ops/isTensor.js';

/**
 * A mask (or batch of masks) held in plain memory: a flat row-major (C order) array and its
 * shape. The surface metrics accept this or a `tf.Tensor` of the same layout; pass this form
 * when the data is already on the CPU (or after `await tensor.data()` on a GPU backend, which
 * avoids the blocking `dataSync()` a tensor argument costs).
 */
export interface MaskArray {
  /** Values, `prod(shape)` of them: 0 / 1 (or booleans). */
  readonly data: ArrayLike<number | boolean>;
  /** Shape, e.g. `[N, H, W, C]` or `[N, D, H, W, C]`. */
  readonly shape: readonly number[];
}

/** A tensor or a {@link MaskArray}: what the surface metrics take for `pred` and `target`. */
export type MaskInput = tf.Tensor | MaskArray;

/** One binary channel of one sample, cropped to the bounding box of `pred | target`. */
export interface MaskPair {
  readonly pred: Uint8Array;
  readonly target: Uint8Array;
  /** Spatial shape of the crop. */
  readonly shape: number[];
  readonly predEmpty: boolean;
  readonly targetEmpty: boolean;
}

interface ReadMask {
  data: ArrayLike<number | boolean>;
  shape: number[];
}

/** Reads a tensor (once, synchronously) or checks a {@link MaskArray}; data is not copied. */
function readMask(functionName: string, argument: string, input: unknown): ReadMask {
  if (isTensor(input)) {
    if ((input as { isDisposed?: boolean }).isDisposed === true) fail(functionName, argument, input, 'a tensor that is not disposed');
    return { data: input.dataSync() as ArrayLike<number>, shape: [...input.shape] };
  }
  if (input === null || typeof input !== 'object' || !('data' in input) || !('shape' in input)) {
    fail(functionName, argument, input, 'a tf.Tensor or { data, shape } with data a flat array in row-major order');
  }
  const { data, shape } = input as MaskArray;
  assertNumberArray(functionName, `${argument}.shape`, shape, { min: 1, integer: true });
  const size = shape.reduce((a, b) => a * b, 1);
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number' || data.length !== size) {
    fail(functionName, `${argument}.data`, data, `an array of ${size} values (the product of shape ${formatValue(shape)})`);
  }
  return { data, shape: [...shape] };
}

/**
 * Copies a truthy-is-foreground mask into 0 / 1 bytes, refusing NaN (falsy, so it would count
 * as background without a word: a silent wrong distance). Internal helper of the array metrics.
 */
export function truthyMask(functionName: string, argument: string, mask: ArrayLike<number | boolean>): Uint8Array {
  const binary = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (typeof v === 'number' && Number.isNaN(v)) {
      throw new UnetKitError(functionName, argument, `has value NaN at flat index ${i}; expected a mask (non-zero is foreground), with no NaN.`);
    }
    binary[i] = v ? 1 : 0;
  }
  return binary;
}

function checkBinary(functionName: string, argument: string, data: ArrayLike<number | boolean>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1 && v !== true && v !== false) {
      throw new UnetKitError(
        functionName,
        argument,
        `has value ${formatValue(v)} at flat index ${i}; expected a binary mask of 0 and 1 (threshold ` +
          `probabilities first, e.g. tf.cast(tf.greaterEqual(p, 0.5), 'int32'), or one-hot encode label maps with tf.oneHot).`,
      );
    }
  }
}

/** The checked inputs of one surface-metric call. */
export interface SurfaceInputs {
  pred: ArrayLike<number | boolean>;
  target: ArrayLike<number | boolean>;
  batch: number;
  spatialShape: number[];
  channels: number;
  /** The channels evaluated (all, or all but channel 0 when the background is dropped). */
  classes: number[];
}

/**
 * Reads and validates `pred` and `target` of a surface metric: same shape `[N, ...spatial, C]`
 * (at least one spatial axis), binary values. Background channel 0 is dropped when
 * `includeBackground` is false and there is more than one channel (MONAI's `ignore_background`).
 */
export function readSurfaceInputs(
  functionName: string,
  pred: unknown,
  target: unknown,
  includeBackground: unknown,
): SurfaceInputs {
  assertBoolean(functionName, 'options.includeBackground', includeBackground);
  const p = readMask(functionName, 'pred', pred);
  const t = readMask(functionName, 'target', target);
  if (p.shape.length < 3) {
    throw new UnetKitError(
      functionName,
      'pred',
      `has shape ${formatValue(p.shape)} (rank ${p.shape.length}); expected rank >= 3: [N, ...spatial, C] ` +
        `(add the batch and channel axes, e.g. tf.reshape(mask, [1, H, W, 1])).`,
    );
  }
  if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i])) {
    throw new UnetKitError(
      functionName,
      'pred and target',
      `have shapes ${formatValue(p.shape)} and ${formatValue(t.shape)}; expected the same shape [N, ...spatial, C] ` +
        `(one-hot encode label maps with tf.oneHot first).`,
    );
  }
  checkBinary(functionName, 'pred', p.data);
  checkBinary(functionName, 'target', t.data);
  const channels = p.shape[p.shape.length - 1]!;
  const classes = Array.from({ length: channels }, (_, c) => c).slice(!includeBackground && channels > 1 ? 1 : 0);
  return {
    pred: p.data,
    target: t.data,
    batch: p.shape[0]!,
    spatialShape: p.shape.slice(1, -1),
    channels,
    classes,
  };
}

/**
 * Extracts channel `c` of sample `b` from both inputs, cropped to the bounding box of their
 * union (distances and erosion edges are unchanged by the crop; see {@link maskEdges}).
 */
export function extractPair(inputs: SurfaceInputs, b: number, c: number): MaskPair {
  const { spatialShape, channels } = inputs;
  const rank = spatialShape.length;
  const voxels = spatialShape.reduce((x, y) => x * y, 1);
  const offset = b * voxels * channels + c;
  const lo = new Array<number>(rank).fill(Infinity);
  const hi = new Array<number>(rank).fill(-1);
  const coord = new Array<number>(rank).fill(0);
  let predEmpty = true;
  let targetEmpty = true;
  for (let j = 0; j < voxels; j++) {
    const k = offset + j * channels;
    const inPred = inputs.pred[k] ? 1 : 0;
    const inTarget = inputs.target[k] ? 1 : 0;
    if (inPred) predEmpty = false;
    if (inTarget) targetEmpty = false;
    if (inPred || inTarget) {
      for (let a = 0; a < rank; a++) {
        const x = coord[a]!;
        if (x < lo[a]!) lo[a] = x;
        if (x > hi[a]!) hi[a] = x;
      }
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < spatialShape[a]!) break;
      coord[a] = 0;
    }
  }
  if (predEmpty && targetEmpty) {
    return { pred: new Uint8Array(0), target: new Uint8Array(0), shape: [], predEmpty, targetEmpty };
  }
  const shape = lo.map((l, a) => hi[a]! - l + 1);
  const size = shape.reduce((x, y) => x * y, 1);
  const predCrop = new Uint8Array(size);
  const targetCrop = new Uint8Array(size);
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= spatialShape[a]!;
  }
  const local = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let j = 0;
    for (let a = 0; a < rank; a++) j += (lo[a]! + local[a]!) * strides[a]!;
    const k = offset + j * channels;
    predCrop[i] = inputs.pred[k] ? 1 : 0;
    targetCrop[i] = inputs.target[k] ? 1 : 0;
    for (let a = rank - 1; a >= 0; a--) {
      if (++local[a]! < shape[a]!) break;
      local[a] = 0;
    }
  }
  return { pred: predCrop, target: targetCrop, shape, predEmpty, targetEmpty };
}
