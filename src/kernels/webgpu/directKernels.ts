// Convolutions and matrix products on a software WebGPU adapter through directPrograms.ts (one
// output per invocation) instead of tfjs' im2col and tiled shaders (the factory suite's 25 models
// on SwiftShader: 241.0 s with tfjs' kernels, 120.3 s with these; with the row-per-invocation Sum,
// Mean and Softmax below, 81.6 s).
// Off until useBackend finds the adapter is a software one (useDirectWebgpuKernels); every shape
// or option the direct programs do not cover (NCHW, prelu, a bias of another size) stays tfjs'.
import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean } from '../../core/assert.js';
import { stockKernelFunc } from '../registry.js';
import {
  DIRECT_ACTIVATIONS,
  directConv2DBackpropFilterProgram,
  directConv2DBackpropInputProgram,
  directConv2DProgram,
  directMatMulProgram,
  directRowReduceProgram,
  directSoftmaxProgram,
  type DirectActivation,
  type DirectProgram,
} from './directPrograms.js';

/** The parts of tfjs' WebGPUBackend these kernels use. */
interface WebGPUBackendLike {
  runWebGPUProgram(program: DirectProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: Array<{ type: string; data: number[] }>): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

let direct = false;

/**
 * Turns the direct WebGPU kernels on or off (`useBackend('webgpu')` turns them on where the
 * adapter is a software one, off on a hardware GPU). Off, each kernel is tfjs' own.
 *
 * @param on - true to compute `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`,
 *   `Conv2DBackpropFilter`, `BatchMatMul`, `_FusedMatMul`, `Sum`, `Mean` and `Softmax` with one
 *   output (a reduction: one row) per invocation.
 * @example
 * ```ts
 * useDirectWebgpuKernels(false); // tfjs' own tiled shaders, even on SwiftShader
 * ```
 */
export function useDirectWebgpuKernels(on: boolean): void {
  assertBoolean('useDirectWebgpuKernels', 'on', on);
  direct = on;
}

/**
 * Whether the direct WebGPU kernels are on (see {@link useDirectWebgpuKernels}).
 *
 * @example
 * ```ts
 * if (directWebgpuKernelsOn()) console.log('convs and matMuls: one output per invocation');
 * ```
 */
export function directWebgpuKernelsOn(): boolean {
  return direct;
}

const isDirectActivation = (a: unknown): a is DirectActivation => (DIRECT_ACTIVATIONS as readonly unknown[]).includes(a);

const int2 = (data: number[]) => ({ type: 'int32', data });

/** A reshape through the stock kernel (a view on WebGPU); the caller disposes it. */
function view(backend: KernelArgs['backend'], x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return stockKernelFunc(tf.Reshape, 'webgpu')({ inputs: { x }, backend, attrs: { shape } }) as tf.TensorInfo;
}

/** A bias of `n` values as `[n]`, or undefined when it has another size. */
function flatBias(backend: KernelArgs['backend'], bias: tf.TensorInfo | undefined, n: number): tf.TensorInfo | undefined {
  if (bias === undefined) return undefined;
  return tf.util.sizeFromShape(bias.shape) === n && bias.shape[bias.shape.length - 1] === n ? view(backend, bias, [n]) : undefined;
}

/** The attributes of tfjs' fused kernels. */
interface FusedAttrs {
  activation?: string;
  leakyreluAlpha?: number;
}

/** The fused activation a direct program applies, or undefined where tfjs' kernel must run (prelu). */
function shaderActivation(fused: boolean, attrs: FusedAttrs, prelu: tf.TensorInfo | undefined): DirectActivation | undefined {
  const activation = fused ? (attrs.activation ?? 'linear') : 'linear';
  return prelu === undefined && isDirectActivation(activation) ? activation : undefined;
}

/** The leakyrelu slope as the program's `alpha` uniform (none for other activations). */
const alphaUniform = (activation: DirectActivation, attrs: FusedAttrs) => (activation === 'leakyrelu' ? [{ type: 'float32', data: [attrs.leakyreluAlpha ?? 0.2] }] : []);

interface ConvAttrs extends FusedAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convForward(fused: boolean): tf.KernelFunc {
  const stock = stockKernelFunc(fused ? tf.FusedConv2D : tf.Conv2D, 'webgpu');
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const activation = shaderActivation(fused, attrs, preluActivationWeights);
    if (!direct || (attrs.dataFormat ?? 'NHWC') !== 'NHWC' || activation === undefined || x.dtype !== 'float32') return stock(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const backend = args.backend as unknown as WebGPUBackendLike;
    const b = flatBias(args.backend, bias, info.outChannels);
    if (bias !== undefined && b === undefined) return stock(args);
    const uniforms = [int2([info.padInfo.top, info.padInfo.left]), int2([info.strideHeight, info.strideWidth]), int2([info.dilationHeight, info.dilationWidth]), ...alphaUniform(activation, attrs)];
    const program = directConv2DProgram([...info.outShape], b !== undefined, activation);
    const out = backend.runWebGPUProgram(program, b === undefined ? [x, filter] : [x, filter, b], 'float32', uniforms);
    if (b !== undefined) backend.disposeData(b.dataId);
    return out;
  };
}

/** WebGPU `Conv2D` and `FusedConv2D`, direct where on (see {@link useDirectWebgpuKernels}). */
export const directConv2D: tf.KernelFunc = convForward(false);
export const directFusedConv2D: tf.KernelFunc = convForward(true);

interface BackpropAttrs extends ConvAttrs {
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

type Shape4 = [number, number, number, number];

/**
 * A conv backprop kernel: the stock one unless on and NHWC; else `program` over the result's
 * shape (`attrs[shapeAttr]`), with the pads and strides of the forward conv of `forwardShapes`.
 */
function convBackprop(
  kernelName: string,
  shapeAttr: 'inputShape' | 'filterShape',
  inputsOf: (inputs: Record<string, tf.TensorInfo>) => [tf.TensorInfo, tf.TensorInfo],
  forwardShapes: (inputs: Record<string, tf.TensorInfo>, result: Shape4) => [Shape4, Shape4],
  program: (outputShape: number[]) => DirectProgram,
): tf.KernelFunc {
  const stock = stockKernelFunc(kernelName, 'webgpu');
  return (args) => {
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as BackpropAttrs;
    const result = attrs[shapeAttr];
    if (!direct || (attrs.dataFormat ?? 'NHWC') !== 'NHWC' || result === undefined) return stock(args);
    const [xShape, filterShape] = forwardShapes(inputs, result);
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const uniforms = [int2([info.padInfo.top, info.padInfo.left]), int2([info.strideHeight, info.strideWidth])];
    return (args.backend as unknown as WebGPUBackendLike).runWebGPUProgram(program([...result]), inputsOf(inputs), 'float32', uniforms);
  };
}

/** WebGPU `Conv2DBackpropInput` (`dx` from `dy` and the filter), direct where on. */
export const directConv2DBackpropInput: tf.KernelFunc = convBackprop(
  tf.Conv2DBackpropInput,
  'inputShape',
  (i) => [i.dy!, i.filter!],
  (i, inputShape) => [inputShape, i.filter!.shape as Shape4],
  directConv2DBackpropInputProgram,
);

/** WebGPU `Conv2DBackpropFilter` (`dW` from `x` and `dy`), direct where on. */
export const directConv2DBackpropFilter: tf.KernelFunc = convBackprop(
  tf.Conv2DBackpropFilter,
  'filterShape',
  (i) => [i.x!, i.dy!],
  (i, filterShape) => [i.x!.shape as Shape4, filterShape],
  directConv2DBackpropFilterProgram,
);

interface MatMulAttrs extends FusedAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

function matMul(fused: boolean): tf.KernelFunc {
  const stock = stockKernelFunc(fused ? tf._FusedMatMul : tf.BatchMatMul, 'webgpu');
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const activation = shaderActivation(fused, attrs, preluActivationWeights);
    if (!direct || activation === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stock(args);
    const [leadA, leadB] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
    const [batchA, batchB] = [tf.util.sizeFromShape(leadA), tf.util.sizeFromShape(leadB)];
    // A batch of 1 broadcasts; batches that broadcast along several axes stay tfjs'.
    if (batchA !== batchB ? batchA !== 1 && batchB !== 1 : leadA.join() !== leadB.join()) return stock(args);
    const leadOut = tf.backend_util.assertAndGetBroadcastShape(leadA, leadB);
    const M = a.shape.at(attrs.transposeA ? -1 : -2)!;
    const N = b.shape.at(attrs.transposeB ? -2 : -1)!;
    const backend = args.backend as unknown as WebGPUBackendLike;
    const bias1 = flatBias(args.backend, bias, N);
    if (bias !== undefined && bias1 === undefined) return stock(args);
    const a3 = view(args.backend, a, [batchA, ...a.shape.slice(-2)]);
    const b3 = view(args.backend, b, [batchB, ...b.shape.slice(-2)]);
    const batch = Math.max(batchA, batchB);
    const uniforms = alphaUniform(activation, attrs);
    const program = directMatMulProgram([batch, M, N], attrs.transposeA, attrs.transposeB, bias1 !== undefined, activation);
    const out3 = backend.runWebGPUProgram(program, bias1 === undefined ? [a3, b3] : [a3, b3, bias1], 'float32', uniforms);
    const out = view(args.backend, out3, [...leadOut, M, N]);
    for (const t of [a3, b3, out3, ...(bias1 === undefined ? [] : [bias1])]) backend.disposeData(t.dataId);
    return out;
  };
}

/** WebGPU `BatchMatMul` and `_FusedMatMul`, direct where on. */
export const directBatchMatMul: tf.KernelFunc = matMul(false);
export const directFusedMatMul: tf.KernelFunc = matMul(true);

/** `Sum` / `Mean` over any axes of a float32 tensor: the reduced axes moved last (tfjs' Transpose), then one row per invocation. */
function reduce(mean: boolean): tf.KernelFunc {
  const stock = stockKernelFunc(mean ? tf.Mean : tf.Sum, 'webgpu');
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const size = tf.util.sizeFromShape(x.shape);
    if (!direct || x.dtype !== 'float32' || axes.length === 0 || size === 0) return stock(args);
    const backend = args.backend as unknown as WebGPUBackendLike;
    const perm = tf.backend_util.getAxesPermutation(axes, x.shape.length);
    const moved = perm === null ? x : (stockKernelFunc(tf.Transpose, 'webgpu')({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo);
    const inner = tf.backend_util.getInnerMostAxes(axes.length, x.shape.length);
    const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(moved.shape, inner);
    const n = tf.util.sizeFromShape(reduceShape);
    const rows2 = view(args.backend, moved, [size / n, n]);
    const rows = backend.runWebGPUProgram(directRowReduceProgram(size / n, mean), [rows2], 'float32');
    const out = view(args.backend, rows, keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape);
    for (const t of [rows2, rows, ...(moved === x ? [] : [moved])]) backend.disposeData(t.dataId);
    return out;
  };
}

/** WebGPU `Sum` and `Mean`, direct where on. */
export const directSum: tf.KernelFunc = reduce(false);
export const directMean: tf.KernelFunc = reduce(true);

/** WebGPU `Softmax` over the last axis, direct where on. */
export const directSoftmax: tf.KernelFunc = (args) => {
  const { logits } = args.inputs as { logits: tf.TensorInfo };
  const { dim } = args.attrs as unknown as { dim: number };
  const rank = logits.shape.length;
  const size = tf.util.sizeFromShape(logits.shape);
  if (!direct || logits.dtype !== 'float32' || size === 0 || (dim !== -1 && dim !== rank - 1)) return stockKernelFunc(tf.Softmax, 'webgpu')(args);
  const backend = args.backend as unknown as WebGPUBackendLike;
  const n = logits.shape[rank - 1]!;
  const rows2 = view(args.backend, logits, [size / n, n]);
  const out2 = backend.runWebGPUProgram(directSoftmaxProgram([size / n, n]), [rows2], 'float32');
  const out = view(args.backend, out2, logits.shape);
  for (const t of [rows2, out2]) backend.disposeData(t.dataId);
  return out;
};

/** The kernels of this file, for installKernels. */
export const DIRECT_WEBGPU_KERNELS: ReadonlyArray<[string, tf.KernelFunc]> = [
  [tf.Conv2D, directConv2D],
  [tf.FusedConv2D, directFusedConv2D],
  [tf.Conv2DBackpropInput, directConv2DBackpropInput],
  [tf.Conv2DBackpropFilter, directConv2DBackpropFilter],
  [tf.BatchMatMul, directBatchMatMul],
  [tf._FusedMatMul, directFusedMatMul],
  [tf.Sum, directSum],
  [tf.Mean, directMean],
  [tf.Softmax, directSoftmax],
];
