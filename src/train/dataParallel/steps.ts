import type * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../../core/errors.js';
import { FN } from './options.js';
import type { WireTensor } from './protocol.js';
import { assertBatch, concatShards, shardRanges, sliceWire, toWire } from './shards.js';
import type { SharedWeights } from './sharedWeights.js';
import type { WorkerPool } from './workerPool.js';

/**
 * Sends the weights that changed since the last call to every worker. Called before each request
 * so that changes the caller made between calls (`setWeights`, `assign`) reach the workers, and
 * right after each optimizer step so that the workers copy the new weights while the caller
 * prepares its next batch.
 *
 * @example `publishWeights(pool, shared);`
 */
export function publishWeights(pool: WorkerPool, shared: SharedWeights): void {
  const indices = shared.publishChanged();
  if (indices.length > 0) pool.broadcast({ type: 'load', indices });
}

/**
 * Computes the gradients of the batch `(x, y)` across the workers and averages them (and the
 * moving statistics) by shard size; resolves to the batch loss. The averaged gradients are then
 * in `shared` ({@link SharedWeights.gradientTensors}).
 *
 * @throws UnetKitError for an invalid batch or a failed worker.
 * @example `const loss = await gradientStep(pool, shared, x, y);`
 */
export async function gradientStep(pool: WorkerPool, shared: SharedWeights, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  assertBatch('x', x);
  assertBatch('y', y, x.shape[0]);
  const [xw, yw] = await Promise.all([toWire(x), toWire(y)]);
  publishWeights(pool, shared);
  const n = x.shape[0]!;
  const parts = shardRanges(n, pool.size);
  const replies = await pool.scatter(parts.map((part) => ({ type: 'grad', x: sliceWire(xw, x.shape, part), y: sliceWire(yw, y.shape, part) })));
  const share = parts.map(([a, b]) => (b - a) / n);
  let loss = 0;
  parts.forEach((_, i) => {
    const workerLoss = (replies[i] as { loss: number }).loss;
    // One NaN shard would make every averaged weight NaN after the optimizer step.
    const bad = Number.isFinite(workerLoss) ? shared.firstNonFiniteGradient(i) : 'its loss';
    if (bad !== undefined) {
      throw new UnetKitError(
        FN,
        `worker ${i}`,
        `returned a non-finite ${bad === 'its loss' ? `loss (${workerLoss})` : `gradient (${bad})`} for samples ${parts[i]![0]}-${parts[i]![1] - 1} of the batch; ` +
          'the step was not applied and the weights are unchanged. Lower the learning rate or check those samples for NaN.',
      );
    }
    loss += share[i]! * workerLoss;
  });
  shared.average(share);
  return loss;
}

/**
 * Inference (`training: false`) of `x` split across the workers; resolves to a new tensor.
 *
 * @throws UnetKitError for an invalid batch or a failed worker.
 * @example `const y = await predictStep(pool, shared, x);`
 */
export async function predictStep(pool: WorkerPool, shared: SharedWeights, x: tf.Tensor): Promise<tf.Tensor> {
  assertBatch('x', x);
  const xw = await toWire(x);
  publishWeights(pool, shared);
  const parts = shardRanges(x.shape[0]!, pool.size);
  const replies = await pool.scatter(parts.map((part) => ({ type: 'predict', x: sliceWire(xw, x.shape, part) })));
  return concatShards(
    replies.map((r) => (r as { y: WireTensor }).y),
    x.shape[0]!,
  );
}
