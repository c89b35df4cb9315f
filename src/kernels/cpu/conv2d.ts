import * as tf from '@tensorflow/tfjs-core';
import { conv2dForwardLoop, padSpatial, type PaddedConv2D } from '../loops/conv2dForward.js';
import { conv2dInfoOf, geometryOf } from '../loops/geometry.js';
import { stockKernel } from '../registry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';
import { UnetKitError } from '../../core/errors.js';

type Args = Parameters<tf.KernelFunc>[0];

/** Runs the blocked convolution loop for `info`, padding `x` in a scratch array first. */
function convolve(x: Float32Array, w: Float32Array, info: tf.backend_util.Conv2DInfo, y: Float32Array): void {
  const { top, bottom, left, right } = info.padInfo;
  const paddedHeight = info.inHeight + top + bottom;
  const paddedWidth = info.inWidth + left + right;
  let xp = x;
  if (top + bottom + left + right > 0) {
    xp = new Float32Array(info.batchSize * paddedHeight * paddedWidth * info.inChannels);
    padSpatial(x, [info.batchSize, info.inHeight, info.inWidth, info.inChannels], top, left, paddedHeight, paddedWidth, xp);
  }
  const g: PaddedConv2D = { ...geometryOf(info), inHeight: paddedHeight, inWidth: paddedWidth };
  conv2dForwardLoop(xp, w, g, y);
}

function stock(kernelName: string, args: Args): Info {
  const config = stockKernel(kernelName, 'cpu');
  if (config === undefined) throw new UnetKitError('installKernels', 'backendName', `is 'cpu', whose stock ${kernelName} kernel is missing; import @tensorflow/tfjs-backend-cpu before installing unet-kit's kernels.`);
  return config.kernelFunc(args) as Info;
}

/** `Conv2D` on cpu as a register-blocked direct loop (~5x tfjs' kernel); NCHW goes to the stock kernel. */
export function cpuConv2D(args: Args): Info {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs as { x: Info; filter: Info };
  const a = attrs as unknown as tf.Conv2DAttrs;
  if (a.dataFormat === 'NCHW' || x.dtype !== 'float32') return stock(tf.Conv2D, args);
  const info = conv2dInfoOf(x.shape, filter.shape, a, a.dilations);
  const out = allocF32(backend, info.outShape);
  convolve(readF32(backend, x), readF32(backend, filter), info, readF32(backend, out.info));
  return out.info;
}

type Activation = (v: number) => number;

function activationOf(a: tf.FusedConv2DAttrs): Activation | undefined {
  const alpha = a.leakyreluAlpha ?? 0.2;
  switch (a.activation ?? 'linear') {
    case 'linear':
      return (v) => v;
    case 'relu':
      return (v) => (v > 0 ? v : 0);
    case 'relu6':
      return (v) => (v > 0 ? (v < 6 ? v : 6) : 0);
    case 'leakyrelu':
      return (v) => (v > 0 ? v : alpha * v);
    case 'elu':
      return (v) => (v >= 0 ? v : Math.exp(v) - 1);
    case 'sigmoid':
      return (v) => 1 / (1 + Math.exp(-v));
    default:
      return undefined;
  }
}

/**
 * `FusedConv2D` (conv + bias + activation, what `tf.layers.conv2d` runs) on cpu: the blocked
 * loop, then bias and activation in one pass. PReLU, channels-first and non-vector biases go to
 * the stock kernel.
 */
export function cpuFusedConv2D(args: Args): Info {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs as { x: Info; filter: Info; bias?: Info; preluActivationWeights?: Info };
  const a = attrs as unknown as tf.FusedConv2DAttrs;
  const activation = activationOf(a);
  const info = conv2dInfoOf(x.shape, filter.shape, a, a.dilations);
  const vectorBias = bias === undefined || bias === null || (bias.shape.length === 1 && bias.shape[0] === info.outChannels) || tf.util.sizeFromShape(bias.shape) === 1;
  if (a.dataFormat === 'NCHW' || activation === undefined || (preluActivationWeights !== undefined && preluActivationWeights !== null) || !vectorBias) {
    return stock(tf.FusedConv2D, args);
  }
  const out = allocF32(backend, info.outShape);
  const y = readF32(backend, out.info);
  convolve(readF32(backend, x), readF32(backend, filter), info, y);
  const co = info.outChannels;
  const b = bias !== undefined && bias !== null ? readF32(backend, bias) : undefined;
  const scalarBias = b !== undefined && b.length === 1;
  for (let i = 0; i < y.length; i += co) {
    for (let c = 0; c < co; c++) {
      const withBias = b === undefined ? y[i + c]! : y[i + c]! + (scalarBias ? b[0]! : b[c]!);
      y[i + c] = activation(withBias);
    }
  }
  return out.info;
}
