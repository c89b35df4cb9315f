// The bench nets (built from tf.layers plus unet-kit's batch norm, as the factories will be) and
// their forward FLOP count.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from '../src/layers/batchNormalization.js';

type T = tfl.SymbolicTensor;

/** A plain U-Net: per level two (conv 3 + BN + ReLU), max pool 2, transposed-conv 2 up, concat skip. */
export function benchUNet(spatialDims: 2 | 3, inputSize: number, filters: number[]): tfl.LayersModel {
  const k = (v: number) => new Array<number>(spatialDims).fill(v);
  const conv = (f: number) =>
    spatialDims === 2
      ? tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) })
      : tfl.layers.conv3d({ filters: f, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) });
  const block = (x: T, f: number): T => {
    for (let i = 0; i < 2; i++) {
      x = conv(f).apply(x) as T;
      x = batchNormalization().apply(x) as T;
      x = tfl.layers.reLU().apply(x) as T;
    }
    return x;
  };
  const pool = () => (spatialDims === 2 ? tfl.layers.maxPooling2d({ poolSize: 2 }) : tfl.layers.maxPooling3d({ poolSize: 2 }));
  const up = (f: number) =>
    spatialDims === 2
      ? tfl.layers.conv2dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: 'same' })
      : tfl.layers.conv3dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: 'same' });
  const input = tfl.input({ shape: [...k(inputSize), 1] });
  const skips: T[] = [];
  let x = input as T;
  filters.slice(0, -1).forEach((f) => {
    x = block(x, f);
    skips.push(x);
    x = pool().apply(x) as T;
  });
  x = block(x, filters[filters.length - 1]!);
  for (let level = filters.length - 2; level >= 0; level--) {
    x = up(filters[level]!).apply(x) as T;
    x = tfl.layers.concatenate().apply([x, skips[level]!]) as T;
    x = block(x, filters[level]!);
  }
  const head = spatialDims === 2 ? tfl.layers.conv2d({ filters: 1, kernelSize: 1 }) : tfl.layers.conv3d({ filters: 1, kernelSize: 1 });
  return tfl.model({ inputs: input, outputs: head.apply(x) as T });
}

/** Multiply-adds x 2 of every conv and transposed conv of `model` for one sample. */
export function forwardFlopsPerSample(model: tfl.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const name = layer.getClassName();
    const config = layer.getConfig() as { kernelSize?: number[]; filters?: number };
    if (config.kernelSize === undefined || config.filters === undefined) continue;
    const kernel = config.kernelSize.reduce((a, b) => a * b, 1);
    const inShape = (layer.input as T).shape;
    const outShape = (layer.output as T).shape;
    const inChannels = inShape[inShape.length - 1]!;
    const size = (s: (number | null)[]) => s.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);
    if (name.endsWith('Transpose')) flops += 2 * size(inShape) * kernel * inChannels * config.filters;
    else flops += 2 * size(outShape) * kernel * inChannels * config.filters;
  }
  return flops;
}

/** Trainable plus non-trainable parameters. */
export function parameterCount(model: tfl.LayersModel): number {
  return model.weights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
}
