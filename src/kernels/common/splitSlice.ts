import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

// Copies the box `begin`/`size` of a row-major array of `shape` into `out`: the run of
// innermost axes copied whole is one contiguous block, the outer axes are walked as an odometer.
function copyBox(x: Float32Array, shape: number[], begin: number[], size: number[], out: Float32Array): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  // Axes inner+1.. are whole, so the block spans size[inner] * stride[inner] elements.
  const block = size[inner]! * (inner < rank - 1 ? strides[inner]! : 1);
  const index = new Array<number>(inner).fill(0);
  let o = 0;
  for (;;) {
    let offset = begin[inner]! * (inner < rank - 1 ? strides[inner]! : 1);
    for (let a = 0; a < inner; a++) offset += (begin[a]! + index[a]!) * strides[a]!;
    if (block < 64) for (let i = 0; i < block; i++) out[o + i] = x[offset + i]!;
    else out.set(x.subarray(offset, offset + block), o);
    o += block;
    let a = inner - 1;
    while (a >= 0 && ++index[a]! === size[a]!) index[a--] = 0;
    if (a < 0) break;
  }
}

/**
 * `Slice` of float32 tensors of rank `minRank` and up as block copies (tfjs 4.22's wasm kernel
 * falls back to a generic element-by-element loop from rank 5: ~580 ms for one slice of a 3D
 * U-Net activation; its cpu kernel does so at every rank); other ranks and dtypes use the stock
 * kernel.
 */
export function sliceKernel(backendName: string, minRank: number): tf.KernelFunc {
  return (args) => slice(args, backendName, minRank);
}

function slice(args: Args, backendName: string, minRank: number): Info {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: Info };
  if (x.shape.length < minRank || x.dtype !== 'float32') return stockKernelFunc(tf.Slice, backendName)(args) as Info;
  const a = attrs as unknown as tf.SliceAttrs;
  const [begin, size] = tf.slice_util.parseSliceParams(x as never, a.begin, a.size) as [number[], number[]];
  const out = allocF32(backend, size);
  if (tf.util.sizeFromShape(size) > 0) copyBox(readF32(backend, x), x.shape, begin, size, readF32(backend, out.info));
  return out.info;
}

/**
 * `SplitV` of float32 tensors as block copies (the gradient of every concatenated skip
 * connection); the stock kernels slice each part through their slow generic `Slice`.
 */
export function splitVKernel(backendName: string): tf.KernelFunc {
  return (args) => splitV(args, backendName);
}

function splitV(args: Args, backendName: string): Info[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: Info };
  if (x.dtype !== 'float32') return stockKernelFunc(tf.SplitV, backendName)(args) as Info[];
  const a = attrs as unknown as tf.SplitVAttrs;
  const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as never, a.numOrSizeSplits, axis);
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return allocF32(backend, shape).info;
  });
  const values = readF32(backend, x);
  const begin = new Array<number>(x.shape.length).fill(0);
  outs.forEach((out) => {
    if (tf.util.sizeFromShape(out.shape) > 0) copyBox(values, x.shape, [...begin], out.shape, readF32(backend, out));
    begin[axis]! += out.shape[axis]!;
  });
  return outs;
}
