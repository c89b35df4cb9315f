/**
 * Messages between `dataParallelTrainer` and its worker threads (internal).
 * @module
 */

/**
 * How a worker obtains the loss: a tfjs-layers loss name or an export of a module.
 *
 * @example `const loss: DataParallelLoss = 'binaryCrossentropy';`
 */
export type DataParallelLoss =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | DataParallelLossModule;

/**
 * A loss exported by a module that each worker imports: `module` is a bare specifier
 * (`'unet-kit/losses'`) or an absolute path or `file:` URL (relative paths are resolved against
 * `process.cwd()`); `name` the export; with `args` the export is a factory called as
 * `exported(...args)` (args must be structured-cloneable), without it the export is the loss.
 * The loss is `(yTrue, yPred) => tf.Scalar`.
 *
 * @example `const loss: DataParallelLossModule = { module: 'unet-kit/losses', name: 'diceLoss', args: [{ activation: 'sigmoid' }] };`
 */
export interface DataParallelLossModule {
  module: string;
  name: string;
  args?: unknown[];
}

/**
 * The names of the built-in losses (tfjs-layers' per-sample losses, averaged over the batch).
 *
 * @example `BUILTIN_LOSSES.includes('meanSquaredError')` is `true`.
 */
export const BUILTIN_LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'binaryCrossentropy',
  'categoricalCrossentropy',
] as const;

/**
 * Data every worker receives at start.
 *
 * @example `WorkerHandle.spawn((await import('node:worker_threads')).Worker, init)` passes `init` to the new thread as its `workerData`.
 */
export interface WorkerInit {
  /** `model.toJSON()` as a string. */
  topology: string;
  /** Shapes of `model.weights`, in order. */
  shapes: number[][];
  /** For each of `model.weights`: true when trainable. */
  trainable: boolean[];
  backend: 'wasm' | 'cpu';
  imports: string[];
  loss: DataParallelLoss;
  /**
   * All weights, float32, concatenated in `model.weights` order (written by the main thread; a
   * `load` message names the weights that changed since the last one).
   */
  weights: SharedArrayBuffer;
  /**
   * Per worker: the trainable gradients, concatenated (this worker's region starts at
   * `index * trainableSize`). The main thread averages them in place into region 0.
   */
  grads: SharedArrayBuffer;
  /** Per worker: the non-trainable weights after a training step (batch-norm moving statistics). */
  state: SharedArrayBuffer;
  index: number;
}

/**
 * An array that crosses threads with its shape and dtype.
 *
 * @example `const x: WireTensor = { data: new Float32Array(64), shape: [1, 8, 8, 1], dtype: 'float32' };`
 */
export interface WireTensor {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/**
 * `load` (no reply): copy the weights at these indices of `model.weights` from the shared buffer
 * into the worker's model; sent whenever the main thread's weights changed (right after an
 * optimizer step, so that the copy overlaps with the caller's next batch). Messages are handled in
 * order, so a later `grad` or `predict` sees every earlier `load`; a failed load is reported by
 * the next request.
 *
 * @example `handle.send({ type: 'load', indices: [0, 3] });`
 */
export type WorkerRequest =
  | { type: 'load'; indices: number[] }
  | { type: 'grad'; id: number; x: WireTensor; y: WireTensor }
  | { type: 'predict'; id: number; x: WireTensor };

/**
 * A worker's answer: `ready` once after start; per request its reply (with the request's `id`) or
 * an `error` (without an `id` when the worker failed to start).
 *
 * @example `port.postMessage({ type: 'error', id: req.id, message: 'out of memory' } satisfies WorkerReply);`
 */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'grad'; id: number; loss: number }
  | { type: 'predict'; id: number; y: WireTensor }
  | { type: 'error'; id?: number; message: string };
