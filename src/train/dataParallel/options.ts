import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertKnownKeys, assertOneOf, assertOptionsObject, fail, assertNumber } from '../../core/assert.js';
import { BUILTIN_LOSSES, type DataParallelLoss } from './protocol.js';

/**
 * The name every error of the data-parallel trainer is reported under (`UnetKitError.functionName`).
 *
 * @example `throw new UnetKitError(FN, 'worker', 'exited (code 1).');`
 */
export const FN = 'dataParallelTrainer';

/**
 * Options of {@link dataParallelTrainer}.
 *
 * @example
 * ```ts
 * const options: DataParallelOptions = { loss: 'meanSquaredError', optimizer: tf.train.adam(1e-3), workers: 4 };
 * ```
 */
export interface DataParallelOptions {
  /** The loss, averaged over the samples of a batch: a built-in name or a module export (see {@link DataParallelLossModule}). */
  loss: DataParallelLoss;
  /** Applies the averaged gradients on the calling thread, e.g. `tf.train.adam(1e-3)`. */
  optimizer: tf.Optimizer;
  /** Worker threads (1-64). Default 2. Use at most the number of cores. */
  workers?: number;
  /** The workers' tfjs backend. Default `'wasm'`. */
  backend?: 'wasm' | 'cpu';
  /**
   * Modules each worker imports before rebuilding the model: those that register custom layers
   * (`tf.serialization.registerClass`) or kernels. unet-kit's own layers are always registered.
   * Bare specifiers, absolute paths or `file:` URLs (relative paths: against `process.cwd()`).
   */
  imports?: string[];
  /**
   * Milliseconds one worker may take to answer one request (a shard's gradients or
   * predictions) before it counts as stuck: the call rejects naming the worker, the workers are
   * terminated and the trainer is unusable. Default 600000 (10 minutes); `Infinity` waits forever.
   */
  callTimeoutMs?: number;
}

/**
 * {@link DataParallelOptions} once checked, with every default filled in.
 *
 * @example `const { workers, backend, imports }: ResolvedOptions = resolveOptions(model, { loss: 'meanSquaredError', optimizer: tf.train.adam() });`
 */
export type ResolvedOptions = Required<DataParallelOptions>;

/**
 * Checks `model` and `options` of {@link dataParallelTrainer} and fills in the defaults (2
 * workers, the wasm backend, no imports). The model is checked here too because the workers can
 * only rebuild single-input, single-output float32 models.
 *
 * @throws UnetKitError for a value that is not a usable model or option.
 * @example `const resolved = resolveOptions(model, { loss: 'meanSquaredError', optimizer: tf.train.sgd(0.1) });`
 */
export function resolveOptions(model: tfl.LayersModel, options: DataParallelOptions): ResolvedOptions {
  if (model === null || typeof model !== 'object' || typeof (model as { toJSON?: unknown }).toJSON !== 'function' || !Array.isArray(model.weights)) {
    fail(FN, 'model', model, 'a tf.LayersModel');
  }
  if (options === undefined) fail(FN, 'options', options, 'an options object with loss and optimizer');
  assertOptionsObject(FN, options);
  assertKnownKeys(FN, options, ['loss', 'optimizer', 'workers', 'backend', 'imports', 'callTimeoutMs']);
  const workers = options.workers ?? 2;
  assertInteger(FN, 'options.workers', workers, { min: 1, max: 64 });
  const backend = options.backend ?? 'wasm';
  assertOneOf(FN, 'options.backend', backend, ['wasm', 'cpu'] as const);
  assertLoss(options.loss);
  assertOptimizer(options.optimizer);
  const imports = options.imports ?? [];
  if (!Array.isArray(imports) || imports.some((s) => typeof s !== 'string')) fail(FN, 'options.imports', imports, 'an array of module specifiers');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    fail(FN, 'model', `${model.inputs.length} inputs, ${model.outputs.length} outputs`, 'a model with one input and one output');
  }
  if (model.weights.some((w) => w.dtype !== 'float32')) fail(FN, 'model', 'non-float32 weights', 'float32 weights only');
  const callTimeoutMs = options.callTimeoutMs ?? 600_000;
  if (callTimeoutMs !== Infinity) assertNumber(FN, 'options.callTimeoutMs', callTimeoutMs, { min: 1 });
  return { loss: options.loss, optimizer: options.optimizer, workers, backend, imports, callTimeoutMs };
}

function assertLoss(loss: DataParallelLoss): void {
  if (typeof loss === 'string') assertOneOf(FN, 'options.loss', loss, BUILTIN_LOSSES);
  else if (loss === null || typeof loss !== 'object' || typeof loss.module !== 'string' || typeof loss.name !== 'string' || (loss.args !== undefined && !Array.isArray(loss.args))) {
    fail(FN, 'options.loss', loss, `one of ${BUILTIN_LOSSES.join(', ')} or { module: string, name: string, args?: unknown[] }`);
  }
}

function assertOptimizer(optimizer: tf.Optimizer): void {
  if (optimizer === null || typeof optimizer !== 'object' || typeof (optimizer as { applyGradients?: unknown }).applyGradients !== 'function') {
    fail(FN, 'options.optimizer', optimizer, 'a tf.Optimizer, e.g. tf.train.adam(1e-3)');
  }
}
