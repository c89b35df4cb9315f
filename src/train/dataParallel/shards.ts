import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../../core/assert.js';
import { product } from '../../core/shape.js';
import { FN } from './options.js';
import type { WireTensor } from './protocol.js';

/**
 * A tensor's values read back for sending: a {@link WireTensor} of the whole batch, still
 * without its shape (each shard gets its own).
 *
 * @example `const xw: WireData = await toWire(x);`
 */
export type WireData = Omit<WireTensor, 'shape'>;

/**
 * A half-open range `[start, end)` of samples of a batch.
 *
 * @example `const [start, end]: ShardRange = [0, 3];`
 */
export type ShardRange = [number, number];

/**
 * Checks that `t` is a batch of at least one sample (of `batch` samples when given).
 *
 * @throws UnetKitError naming `name` otherwise.
 * @example `assertBatch('y', y, x.shape[0]);`
 */
export function assertBatch(name: string, t: tf.Tensor, batch?: number): void {
  if (!(t instanceof tf.Tensor)) fail(FN, name, t, 'a tf.Tensor');
  if (t.rank < 1 || t.shape[0]! < 1) fail(FN, `${name}.shape`, t.shape, 'a batch of at least one sample');
  if (batch !== undefined && t.shape[0] !== batch) fail(FN, `${name}.shape[0]`, t.shape[0], `${batch} (the batch size of x)`);
}

/**
 * Reads `t`'s values for the workers; only float32 and int32 cross threads as typed arrays.
 *
 * @throws UnetKitError for another dtype.
 * @example `const [xw, yw] = await Promise.all([toWire(x), toWire(y)]);`
 */
export async function toWire(t: tf.Tensor): Promise<WireData> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') fail(FN, 'x/y dtype', t.dtype, "'float32' or 'int32'");
  const data = (await t.data()) as Float32Array | Int32Array;
  return { data, dtype: t.dtype };
}

/**
 * Splits `n` samples into at most `workers` contiguous shards of near-equal size (the first
 * `n % count` shards one sample larger).
 *
 * @example `shardRanges(5, 2)` is `[[0, 3], [3, 5]]`; `shardRanges(1, 4)` is `[[0, 1]]`.
 */
export function shardRanges(n: number, workers: number): ShardRange[] {
  const count = Math.min(n, workers);
  const out: ShardRange[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(n / count) + (i < n % count ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * The samples `[a, b)` of a batch of shape `shape`, copied into an array of their own so that
 * it can be transferred to a worker without detaching the rest of the batch.
 *
 * @example `const shard = sliceWire(xw, x.shape, [3, 5]);`
 */
export function sliceWire(w: WireData, shape: readonly number[], [a, b]: ShardRange): WireTensor {
  const per = product(shape.slice(1));
  return { data: w.data.slice(a * per, b * per), shape: [b - a, ...shape.slice(1)], dtype: w.dtype };
}

/**
 * The float32 tensor of `batch` samples whose shards, in order, are `outs`.
 *
 * @example `concatShards([sliceWire(xw, [5, 8], [0, 3]), sliceWire(xw, [5, 8], [3, 5])], 5)` is the `[5, 8]` tensor of `xw`.
 */
export function concatShards(outs: readonly WireTensor[], batch: number): tf.Tensor {
  const shape = [batch, ...outs[0]!.shape.slice(1)];
  const data = new Float32Array(product(shape));
  let o = 0;
  for (const out of outs) {
    data.set(out.data, o);
    o += out.data.length;
  }
  return tf.tensor(data, shape, 'float32');
}
