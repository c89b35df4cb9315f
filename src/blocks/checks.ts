import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumber, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { SpatialDims } from '../layers/spatial.js';

/**
 * Asserts `x` is a symbolic tensor of rank `spatialDims + 2` with a known channel count and
 * returns that channel count.
 */
export function assertFeatureMap(functionName: string, argument: string, x: unknown, spatialDims: SpatialDims): number {
  if (!(x instanceof tfl.SymbolicTensor)) {
    fail(functionName, argument, x, 'a tf.SymbolicTensor (the output of tf.input() or of another block)');
  }
  const rank = spatialDims + 2;
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length !== rank || channels === null || channels === undefined) {
    throw new UnetKitError(
      functionName,
      argument,
      `has shape ${formatValue(x.shape)}; expected rank ${rank} (${
        spatialDims === 2 ? '[N, H, W, C]' : '[N, D, H, W, C]'
      }, channels last and known) for spatialDims ${spatialDims}.`,
    );
  }
  return channels;
}

/** Asserts `value` is a positive integer channel count. */
export function assertChannels(functionName: string, argument: string, value: unknown): asserts value is number {
  assertNumber(functionName, argument, value, { min: 1, integer: true });
}

/** Validates a dropout rate in [0, 1). */
export function assertDropout(functionName: string, value: unknown, argument = 'options.dropout'): asserts value is number {
  assertNumber(functionName, argument, value, { min: 0, max: 1, maxExclusive: true });
}

