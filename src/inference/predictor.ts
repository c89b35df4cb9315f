import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

/**
 * A prediction function over a batch: `[B, ...spatial, C]` in, one tensor or several
 * (deep supervision heads) out. It may return a promise. The tensors it returns belong to the
 * caller of the predictor (unet-kit disposes them after reading).
 */
export type PredictFn = (batch: tf.Tensor) => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>;

/** A synchronous {@link PredictFn}, as {@link testTimeAugmentation} needs. */
export type SyncPredictFn = (batch: tf.Tensor) => tf.Tensor | tf.Tensor[];

/** What the inference helpers accept as a network: a `tf.LayersModel` or a {@link PredictFn}. */
export type Predictor = tfl.LayersModel | PredictFn;

/** True when `value` looks like a tfjs LayersModel (has `predict`). */
function isModel(value: unknown): value is tfl.LayersModel {
  return value !== null && typeof value === 'object' && typeof (value as { predict?: unknown }).predict === 'function';
}

/** Validates `predictor` and turns it into a function. Internal helper. */
export function toPredictFn(functionName: string, predictor: unknown, argument = 'predictor'): PredictFn {
  if (isModel(predictor)) return (batch) => predictor.predict(batch) as tf.Tensor | tf.Tensor[];
  if (typeof predictor === 'function') return predictor as PredictFn;
  return fail(functionName, argument, predictor, 'a tf.LayersModel or a function (batch) => tensor');
}

/** Validates `predictor` as a model or a synchronous function. Internal helper. */
export function toSyncPredictFn(functionName: string, predictor: unknown, argument = 'predictor'): SyncPredictFn {
  if (isModel(predictor)) return (batch) => predictor.predict(batch) as tf.Tensor | tf.Tensor[];
  if (typeof predictor === 'function') {
    return (batch) => {
      const out = (predictor as PredictFn)(batch);
      if (out instanceof Promise) {
        throw new UnetKitError(functionName, argument, 'returned a promise; expected a synchronous function (or a tf.LayersModel).');
      }
      return out;
    };
  }
  return fail(functionName, argument, predictor, 'a tf.LayersModel or a function (batch) => tensor');
}

/**
 * Picks the output to blend from what a predictor returned: `outputIndex` when given, else the
 * first output whose spatial shape equals the window's (for deep-supervision models that is
 * the full-resolution head whatever the output order). Internal helper.
 */
export function selectOutput(
  functionName: string,
  outputs: tf.Tensor | tf.Tensor[],
  windowShape: readonly number[],
  batch: number,
  outputIndex: number | undefined,
): tf.Tensor {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  if (list.length === 0 || !list.every((t) => t instanceof tf.Tensor)) {
    throw new UnetKitError(functionName, 'predictor', 'returned no tensor; expected a tensor or an array of tensors.');
  }
  const matches = (t: tf.Tensor): boolean =>
    t.shape.length === windowShape.length + 2 &&
    t.shape[0] === batch &&
    windowShape.every((s, i) => t.shape[i + 1] === s);
  const shapes = list.map((t) => `[${t.shape.join(', ')}]`).join(', ');
  if (outputIndex !== undefined) {
    const chosen = list[outputIndex];
    if (chosen === undefined) {
      throw new UnetKitError(functionName, 'options.outputIndex', `is ${outputIndex} but the predictor returned ${list.length} output(s).`);
    }
    if (!matches(chosen)) {
      throw new UnetKitError(
        functionName,
        'predictor',
        `output ${outputIndex} has shape [${chosen.shape.join(', ')}]; expected [${batch}, ${windowShape.join(', ')}, C] (same spatial size as the window).`,
      );
    }
    return chosen;
  }
  const found = list.find(matches);
  if (found === undefined) {
    throw new UnetKitError(
      functionName,
      'predictor',
      `returned shape(s) ${shapes}; expected an output of shape [${batch}, ${windowShape.join(', ')}, C] (the window's spatial size, channels last).`,
    );
  }
  return found;
}

/** The structure a multi-output predictor returned, so the stitched outputs can be given back in it. */
export type OutputStructure = { kind: 'tensor' } | { kind: 'array'; length: number } | { kind: 'record'; keys: string[] };

/**
 * What a predictor may return for multi-output inference: one tensor, an array of tensors or a
 * record (plain object) of tensors, e.g. deep-supervision heads at several resolutions.
 */
export type PredictorOutputs = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

/**
 * Flattens a predictor's return value (MONAI's `_flatten_struct`): one tensor, an array, or a
 * plain object of tensors (keys in insertion order). Internal helper.
 */
export function flattenOutputs(functionName: string, outputs: unknown): { tensors: tf.Tensor[]; structure: OutputStructure } {
  if (outputs instanceof tf.Tensor) return { tensors: [outputs], structure: { kind: 'tensor' } };
  const expected = 'expected a tensor, an array of tensors or a record of tensors.';
  if (Array.isArray(outputs)) {
    if (outputs.length === 0 || !outputs.every((t) => t instanceof tf.Tensor)) {
      throw new UnetKitError(functionName, 'predictor', `returned an array holding ${outputs.length === 0 ? 'nothing' : 'a non-tensor'}; ${expected}`);
    }
    return { tensors: outputs as tf.Tensor[], structure: { kind: 'array', length: outputs.length } };
  }
  if (outputs !== null && typeof outputs === 'object' && Object.getPrototypeOf(outputs) === Object.prototype) {
    const keys = Object.keys(outputs);
    const values = Object.values(outputs as Record<string, unknown>);
    if (keys.length === 0 || !values.every((t) => t instanceof tf.Tensor)) {
      throw new UnetKitError(functionName, 'predictor', `returned a record holding ${keys.length === 0 ? 'nothing' : 'a non-tensor'}; ${expected}`);
    }
    return { tensors: values as tf.Tensor[], structure: { kind: 'record', keys } };
  }
  throw new UnetKitError(functionName, 'predictor', `returned ${outputs === null ? 'null' : typeof outputs}; ${expected}`);
}
