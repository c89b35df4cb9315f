import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../../core/errors.js';
import { isNode } from '../../core/platform.js';
import { FN, resolveOptions, type DataParallelOptions } from './options.js';
import { SharedWeights } from './sharedWeights.js';
import { gradientStep, predictStep, publishWeights } from './steps.js';
import { WorkerPool } from './workerPool.js';

export type { DataParallelOptions } from './options.js';
export type { DataParallelLoss, DataParallelLossModule } from './protocol.js';

/**
 * What {@link DataParallelTrainer.computeGradients} returns.
 *
 * @example
 * ```ts
 * const trainer = await dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer: tf.train.adam() });
 * const { loss, grads }: DataParallelGradients = await trainer.computeGradients(x, y);
 * tf.dispose(Object.values(grads));
 * ```
 */
export interface DataParallelGradients {
  /** The batch loss (shard losses weighted by shard size). */
  loss: number;
  /** Gradients of the loss for every trainable weight, keyed by variable name (as `tf.variableGrads`). */
  grads: tf.NamedTensorMap;
}

/**
 * A model trained on several worker threads; see {@link dataParallelTrainer}.
 *
 * @example
 * ```ts
 * const trainer: DataParallelTrainer = await dataParallelTrainer(model, { loss: 'meanSquaredError', optimizer });
 * const loss = await trainer.trainOnBatch(x, y);
 * await trainer.dispose();
 * ```
 */
export interface DataParallelTrainer {
  /** The model being trained (its weights are the master copy, updated by {@link DataParallelTrainer.trainOnBatch}). */
  readonly model: tfl.LayersModel;
  /** The number of worker threads. */
  readonly workers: number;
  /**
   * One optimizer step on the batch `(x, y)` split across the workers; resolves to the batch
   * loss. Batch-norm moving statistics are the shard-size-weighted mean of the workers' updates.
   */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): Promise<number>;
  /** The batch loss and its gradients, computed across the workers (no optimizer step); dispose the grads. */
  computeGradients(x: tf.Tensor, y: tf.Tensor): Promise<DataParallelGradients>;
  /** Inference (`training: false`) with the batch split across the workers; returns a new tensor. */
  predict(x: tf.Tensor): Promise<tf.Tensor>;
  /** Terminates the workers. Idempotent; the trainer cannot be used afterwards. */
  dispose(): Promise<void>;
}

/**
 * Data-parallel training on Node `worker_threads` (Node only): each of `workers` threads holds a
 * copy of `model` on its own tfjs backend (wasm by default, with unet-kit's kernels), computes the
 * loss gradients of its contiguous shard of each batch, and the calling thread averages them
 * (weighted by shard size, in place in shared memory) and applies `optimizer` to `model`.
 * Weights travel through a `SharedArrayBuffer`: only those whose value changed (every weight
 * after an optimizer step, none between two `predict` calls) are copied, right after the step so
 * that the workers load them while the caller prepares the next batch; weights the caller changes
 * between calls (`setWeights`, `assign`) are sent at the next call. Workers hold no optimizer
 * state; `model` and `optimizer` are up to date whenever a call has resolved.
 *
 * Why: tfjs' wasm backend runs on one thread in Node (its threaded build cannot start workers
 * there), so a train step uses one core; with 2 workers on a 2-core machine a step of the bench
 * U-Net takes about half the time (see the README's performance section).
 *
 * Semantics, as PyTorch DistributedDataParallel without SyncBatchNorm:
 * - the gradient equals the full-batch gradient for losses that are means over samples
 *   (the built-in losses, cross-entropy, per-sample Dice averaged over the batch); for a loss
 *   that pools the whole batch (a "global" Dice summed over all samples) it is the mean of the
 *   shard losses' gradients instead, which differs;
 * - batch normalization normalizes each shard with the shard's own statistics (smaller
 *   batches: noisier statistics); the moving mean and variance become the size-weighted mean
 *   of the workers' updates;
 * - dropout draws independent masks per worker; regularizer losses are added once (weighted).
 *
 * The model must have one input and one output. Custom layers must be registered in the workers
 * through `options.imports`. Workers do not keep Node running between calls; call `dispose()`
 * when done to free their memory.
 *
 * @param model - a built `tf.LayersModel` (serialized with `model.toJSON()` for the workers).
 * @param options - {@link DataParallelOptions}: `loss` and `optimizer` are required.
 * @returns A started {@link DataParallelTrainer}.
 * @throws UnetKitError in a browser, for invalid options, or when a worker fails to start.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { unet } from 'unet-kit/models';
 * import { dataParallelTrainer } from 'unet-kit/train';
 * const model = unet({ inputShape: [128, 128, 1], numClasses: 1 });
 * const trainer = await dataParallelTrainer(model, {
 *   loss: { module: 'unet-kit/losses', name: 'diceCELoss', args: [{}] },
 *   optimizer: tf.train.adam(1e-3),
 * });
 * try {
 *   for (const [x, y] of batches) console.log(await trainer.trainOnBatch(x, y));
 * } finally {
 *   await trainer.dispose();
 * }
 * ```
 */
export async function dataParallelTrainer(model: tfl.LayersModel, options: DataParallelOptions): Promise<DataParallelTrainer> {
  if (!isNode()) {
    throw new UnetKitError(FN, 'environment', 'needs Node.js worker_threads; in a browser train on one thread (model.fit) or use the webgl/webgpu backend.');
  }
  const { loss, optimizer, workers, backend, imports, callTimeoutMs } = resolveOptions(model, options);
  const shared = new SharedWeights(model.weights, workers);
  const topology = JSON.stringify(model.toJSON(null, false));
  const pool = await WorkerPool.start({ topology, shapes: shared.shapes, trainable: shared.trainable, backend, imports, loss, ...shared.buffers }, workers, callTimeoutMs);
  return {
    model,
    workers,
    computeGradients(x, y) {
      return pool.serial(async () => {
        const value = await gradientStep(pool, shared, x, y);
        return { loss: value, grads: shared.gradientTensors() };
      });
    },
    trainOnBatch(x, y) {
      return pool.serial(async () => {
        const value = await gradientStep(pool, shared, x, y);
        const named = shared.gradientTensors();
        try {
          optimizer.applyGradients(named);
        } finally {
          tf.dispose(Object.values(named));
        }
        publishWeights(pool, shared);
        return value;
      });
    },
    predict(x) {
      return pool.serial(() => predictStep(pool, shared, x));
    },
    dispose() {
      return pool.dispose();
    },
  };
}
