import type * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../../core/errors.js';
import { allocF32, readF32, readI32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * `UnsortedSegmentSum` for wasm, which tfjs 4.22 lacks: the gradient of `tf.gather` (a
 * relative-position-bias lookup, an embedding) needs it. `out[s, ...] = sum_{i: ids[i] = s} x[i, ...]`
 * for `x [N, ...inner]`, `segmentIds [N]`; ids outside `[0, numSegments)` are dropped (TF).
 */
export function wasmUnsortedSegmentSum({ inputs, backend, attrs }: Args): Info {
  const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new UnetKitError('UnsortedSegmentSum', 'segmentIds', `has shape [${segmentIds.shape.join(', ')}]; expected [${x.shape[0]}] (one id per row of x).`);
  }
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = allocF32(backend, [numSegments, ...x.shape.slice(1)]);
  // Views only after the output exists (heap growth invalidates them).
  const values = readF32(backend, x);
  const ids = readI32(backend, segmentIds);
  const target = readF32(backend, out.info);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let k = 0; k < inner; k++) target[to + k]! += values[from + k]!;
  }
  return out.info;
}
