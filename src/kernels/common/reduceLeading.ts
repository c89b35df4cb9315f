import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

// The reduced axes are exactly 0 .. rank-2: a per-channel reduction of a channels-last tensor
// (bias gradients, batch-norm statistics and their gradients).
function leadingAxes(x: Info, axis: number | number[]): boolean {
  const rank = x.shape.length;
  if (rank < 2 || x.dtype !== 'float32') return false;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.length === rank - 1 && sorted.every((v, i) => v === i);
}

function reduceLeading(args: Args, kernelName: string, mean: boolean, backendName: string): Info {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: Info };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (!leadingAxes(x, axis)) return stockKernelFunc(kernelName, backendName)(args) as Info;
  const c = x.shape[x.shape.length - 1]!;
  const shape = keepDims ? [...new Array<number>(x.shape.length - 1).fill(1), c] : [c];
  const out = allocF32(backend, shape);
  const v = readF32(backend, x);
  const acc = new Float64Array(c);
  for (let o = 0; o < v.length; o += c) for (let i = 0; i < c; i++) acc[i]! += v[o + i]!;
  const rows = c === 0 ? 0 : v.length / c;
  const values = readF32(backend, out.info);
  for (let i = 0; i < c; i++) values[i] = mean ? acc[i]! / rows : acc[i]!;
  return out.info;
}

/**
 * `Sum`: a per-channel reduction over all leading axes in one pass (float64 sums); tfjs 4.22's
 * wasm and cpu kernels first transpose the whole tensor to make the reduced axes innermost.
 * Other reductions use the stock kernel.
 */
export function sumKernel(backendName: string): tf.KernelFunc {
  return (args) => reduceLeading(args, tf.Sum, false, backendName);
}

/** `Mean`: as {@link sumKernel}, divided by the number of reduced elements. */
export function meanKernel(backendName: string): tf.KernelFunc {
  return (args) => reduceLeading(args, tf.Mean, true, backendName);
}
