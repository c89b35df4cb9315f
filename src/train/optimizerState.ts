import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';

/**
 * The tfjs optimizers whose whole state can be saved and restored exactly (their class names):
 * the ones with `getWeights` / `setWeights`. tfjs' Adamax has neither (it throws).
 *
 * @example `RESUMABLE_OPTIMIZERS.includes('Adam')` is true.
 */
export const RESUMABLE_OPTIMIZERS: readonly string[] = ['SGD', 'Momentum', 'RMSProp', 'Adagrad', 'Adadelta', 'Adam'];

/**
 * What a training state records of the optimizer beside its weights (`getWeights`: the
 * iteration count and the accumulators, stored in the checkpoint's weight file).
 */
export interface OptimizerRecord {
  /** tfjs class name (`'Adam'`, `'SGD'` ...). */
  readonly className: string;
  /** `getConfig()` without the learning rate, which schedules change: must match on restore. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The learning rate in use when saved. */
  readonly learningRate: number;
  /** Optimizer steps taken (tfjs' `iterations`). */
  readonly iterations: number;
  /**
   * Adam's running `beta1^(t+1)`, `beta2^(t+1)` as float32 values. tfjs' `Adam.setWeights`
   * recomputes them with `pow()`, which differs in the last bit from the step-by-step products
   * training made (docs/tfjs-gaps.md); restoring the saved values keeps the resumed run bitwise equal.
   */
  readonly accBeta?: readonly [number, number];
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** The tfjs class name of an optimizer (`'Adam'`), or `undefined` when it is not a tfjs optimizer. */
function classNameOf(optimizer: unknown): string | undefined {
  const ctor = (optimizer as { constructor?: { className?: unknown } } | null | undefined)?.constructor;
  return typeof ctor?.className === 'string' ? ctor.className : undefined;
}

/** The optimizer of a compiled model, refused unless its state can be saved exactly. */
export function resumableOptimizer(functionName: string, model: tfl.LayersModel): tf.Optimizer {
  const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer;
  if (optimizer === undefined || optimizer === null) {
    throw new UnetKitError(functionName, 'model', 'has no optimizer; compile it (model.compile({ optimizer, loss })) before saving or restoring a training state.');
  }
  const name = classNameOf(optimizer);
  if (name === undefined || !RESUMABLE_OPTIMIZERS.includes(name)) {
    throw new UnetKitError(
      functionName,
      'model',
      `is compiled with the optimizer ${name ?? formatValue(optimizer)}, whose state tfjs cannot read back; use one of ${RESUMABLE_OPTIMIZERS.join(', ')} (tf.train.adam, tf.train.sgd ...).`,
    );
  }
  return optimizer;
}

function configWithoutRate(optimizer: tf.Optimizer): Record<string, unknown> {
  const { learningRate: _rate, ...rest } = optimizer.getConfig() as Record<string, unknown>;
  return rest;
}

function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/** The JSON side of an optimizer's state (its weights are saved separately). */
export function optimizerRecord(optimizer: tf.Optimizer): OptimizerRecord {
  const className = classNameOf(optimizer)!;
  const record = { className, config: configWithoutRate(optimizer), learningRate: learningRateOf(optimizer), iterations: optimizer.iterations };
  if (className !== 'Adam') return record;
  const adam = optimizer as unknown as AdamInternals;
  return { ...record, accBeta: [adam.accBeta1.dataSync()[0]!, adam.accBeta2.dataSync()[0]!] };
}

/**
 * Checks that `saved` (from a checkpoint in `dir`) can be restored into `optimizer`: same class,
 * same configuration (learning rate aside), and accumulator weights shaped as the model's
 * trainable weights, repeated once per accumulator kind.
 */
export function checkOptimizerFits(functionName: string, dir: string, saved: OptimizerRecord, optimizer: tf.Optimizer, weights: readonly tf.io.WeightsManifestEntry[], trainableShapes: readonly number[][]): void {
  const mismatch = (what: string): UnetKitError => new UnetKitError(functionName, 'dir', `is '${dir}', whose training state ${what}; compile the model as the run being resumed was.`);
  const className = classNameOf(optimizer);
  if (saved.className !== className) throw mismatch(`was saved with the optimizer ${saved.className}, but the model is compiled with ${className}`);
  const config = configWithoutRate(optimizer);
  for (const key of new Set([...Object.keys(config), ...Object.keys(saved.config)])) {
    if (!Object.is(config[key], saved.config[key])) {
      throw mismatch(`has the ${className} option ${key} = ${formatValue(saved.config[key])}, but the model's optimizer has ${formatValue(config[key])}`);
    }
  }
  const [iter, ...accumulators] = weights;
  if (iter === undefined || iter.dtype !== 'int32' || iter.shape.length !== 0) throw mismatch('has no optimizer iteration count (weight group "optimizer")');
  const n = trainableShapes.length;
  const fits = n === 0 ? accumulators.length === 0 : accumulators.length % n === 0 && accumulators.every((w, i) => sameShape(w.shape, trainableShapes[i % n]!));
  if (!fits) {
    throw mismatch(`holds ${accumulators.length} optimizer accumulators that do not match the model's ${n} trainable weights (shapes ${formatValue(accumulators.slice(0, 3).map((w) => w.shape))} ...): it is from another model`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Restores an optimizer's state: its weights (`tensors`, in `getWeights` order, copied; the
 * caller keeps and disposes them), the learning rate and Adam's exact beta powers. The
 * accumulators it had before are disposed.
 */
export async function restoreOptimizer(optimizer: tf.Optimizer, saved: OptimizerRecord, tensors: Array<{ name: string; tensor: tf.Tensor }>): Promise<void> {
  const previous = await optimizer.getWeights();
  // getWeights hands out the optimizer's own variables plus a fresh `iter` scalar.
  tf.dispose(previous.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  await optimizer.setWeights(tensors);
  tf.dispose(previous.filter((w) => w.tensor instanceof tf.Variable).map((w) => w.tensor));
  (optimizer as unknown as { learningRate: number }).learningRate = saved.learningRate;
  // SGD and Momentum cache the rate in a tensor: setLearningRate refreshes it.
  const setRate = (optimizer as unknown as { setLearningRate?: (lr: number) => void }).setLearningRate;
  if (typeof setRate === 'function') setRate.call(optimizer, saved.learningRate);
  if (saved.accBeta !== undefined) {
    const adam = optimizer as unknown as AdamInternals;
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(saved.accBeta![0]));
      adam.accBeta2.assign(tf.scalar(saved.accBeta![1]));
    });
  }
}
