// The bench nets (built from tf.layers plus unet-kit's batch norm, as the factories will be) and
// their forward FLOP count. The topology lives in bench/benchNet.ts, shared with the browser page.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from '../src/layers/batchNormalization.js';
import { buildBenchUNet } from './benchNet.js';

export { BENCH_NETS, forwardFlopsPerSample } from './benchNet.js';

/** A plain U-Net: per level two (conv 3 + BN + ReLU), max pool 2, transposed-conv 2 up, concat skip. */
export function benchUNet(spatialDims: 2 | 3, inputSize: number, filters: readonly number[]): tfl.LayersModel {
  return buildBenchUNet({ tfl, batchNormalization: () => batchNormalization() }, spatialDims, inputSize, filters);
}

/** Trainable plus non-trainable parameters. */
export function parameterCount(model: tfl.LayersModel): number {
  return model.weights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
}
