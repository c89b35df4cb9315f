import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];
type Op = (a: number, b: number) => number;

// small broadcasts along the channel (last) axis of big: small has big's last dimension (or a
// single element) and ones elsewhere, and no more axes than big.
function isChannelVector(big: Info, small: Info): boolean {
  const c = big.shape[big.shape.length - 1];
  const s = small.shape;
  if (c === undefined || s.length > big.shape.length) return false;
  if (tf.util.sizeFromShape(s) === 1) return true;
  return s.length >= 1 && s[s.length - 1] === c && s.slice(0, -1).every((d) => d === 1);
}

/**
 * A float32 binary op on cpu with loops for the shapes a U-Net's batch norm, bias and optimizer
 * use: equal shapes, a tensor against a per-channel vector (`[..., C]` op `[C]`) and against a
 * scalar.
 * tfjs 4.22's cpu kernels compute broadcast indices element by element (~10x slower); anything
 * else, including other dtypes, goes to the stock kernel. Same JS arithmetic as tfjs' kernels,
 * so results are bit-identical.
 */
export function binaryKernel(kernelName: string, op: Op): tf.KernelFunc {
  return (args: Args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: Info; b: Info };
    const stock = () => stockKernelFunc(kernelName, 'cpu')(args) as Info;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock();
    const same = tf.util.arraysEqual(a.shape, b.shape);
    const bVector = !same && isChannelVector(a, b);
    const aVector = !same && !bVector && isChannelVector(b, a);
    if (!same && !aVector && !bVector) return stock();
    const out = allocF32(backend, aVector ? [...b.shape] : [...a.shape]);
    const y = readF32(backend, out.info);
    const av = readF32(backend, a);
    const bv = readF32(backend, b);
    if (same) {
      for (let i = 0; i < y.length; i++) y[i] = op(av[i]!, bv[i]!);
    } else if (bVector && bv.length === 1) {
      const k = bv[0]!;
      for (let i = 0; i < y.length; i++) y[i] = op(av[i]!, k);
    } else if (aVector && av.length === 1) {
      const k = av[0]!;
      for (let i = 0; i < y.length; i++) y[i] = op(k, bv[i]!);
    } else if (bVector) {
      const c = bv.length;
      for (let i = 0; i < y.length; i += c) for (let j = 0; j < c; j++) y[i + j] = op(av[i + j]!, bv[j]!);
    } else {
      const c = av.length;
      for (let i = 0; i < y.length; i += c) for (let j = 0; j < c; j++) y[i + j] = op(av[j]!, bv[i + j]!);
    }
    return out.info;
  };
}

/** The binary kernels replaced on cpu, with tfjs' own element functions. */
export const CPU_BINARY_OPS: ReadonlyArray<[string, Op]> = [
  [tf.Add, (a, b) => a + b],
  [tf.Sub, (a, b) => a - b],
  [tf.Multiply, (a, b) => a * b],
  [tf.RealDiv, (a, b) => a / b],
];
