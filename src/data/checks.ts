import * as tf from '@tensorflow/tfjs-core';
import { assertRank, fail } from '../core/assert.js';

/** Validates a channels-last batch `[N, H, W, C]` / `[N, D, H, W, C]`. */
export function assertBatch(functionName: string, argument: string, x: unknown): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) fail(functionName, argument, x, 'a tensor [N, H, W, C] or [N, D, H, W, C]');
  assertRank(functionName, argument, x, [4, 5], '[N, H, W, C] or [N, D, H, W, C]');
}

/** Spatial axes `1 .. rank-2`. */
export function spatialAxesOf(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
}
