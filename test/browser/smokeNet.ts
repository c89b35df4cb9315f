// The tiny nets of the browser smoke test, built from whichever copy of unet-kit is passed in
// (src in Node, the built dist bundle in Chromium), so both sides build the same topology.
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type { groupNormalization } from '../../src/layers/groupNormalization.js';
import type { instanceNormalization } from '../../src/layers/instanceNormalization.js';
import type { spatialLayers } from '../../src/layers/spatial.js';

/** The unet-kit functions the smoke nets use. */
export interface SmokeKit {
  spatialLayers: typeof spatialLayers;
  groupNormalization: typeof groupNormalization;
  instanceNormalization: typeof instanceNormalization;
}

/**
 * conv 3 -> group norm -> leaky ReLU -> max pool -> conv 3 -> instance norm -> linear up-sampling
 * -> conv 1, through the layer table for `spatialDims` (input 16^2 or 8^3, one channel).
 */
export function buildSmokeNet(kit: SmokeKit, tfl: typeof tfLayers, spatialDims: 2 | 3): tfLayers.LayersModel {
  const L = kit.spatialLayers(spatialDims);
  const side = spatialDims === 2 ? 16 : 8;
  const input = tfl.input({ shape: [...Array.from({ length: spatialDims }, () => side), 1] });
  const apply = (layer: tfLayers.layers.Layer | null, x: tfLayers.SymbolicTensor) => layer!.apply(x) as tfLayers.SymbolicTensor;
  let x = apply(L.conv({ filters: 4, kernelSize: 3, seed: 1, name: 'conv1' }), input);
  x = apply(kit.groupNormalization({ groups: 2, name: 'norm1' }), x);
  x = apply(tfl.layers.leakyReLU({ alpha: 0.01, name: 'act1' }), x);
  x = apply(L.maxPool({ poolSize: 2, name: 'pool1' }), x);
  x = apply(L.conv({ filters: 4, kernelSize: 3, seed: 2, name: 'conv2' }), x);
  x = apply(kit.instanceNormalization({ name: 'norm2' }), x);
  x = apply(L.upsample({ size: 2, interpolation: 'linear', name: 'up1' }), x);
  const output = apply(L.conv({ filters: 2, kernelSize: 1, seed: 3, name: 'head' }), x);
  return tfl.model({ inputs: input, outputs: output });
}

/** A smooth, deterministic input batch of two samples. */
export function smokeInput(tf: typeof tfCore, spatialDims: 2 | 3): tfCore.Tensor {
  const side = spatialDims === 2 ? 16 : 8;
  const shape = [2, ...Array.from({ length: spatialDims }, () => side), 1];
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => tf.sin(tf.mul(tf.reshape(tf.range(0, size), shape), 0.37)));
}

/** Sets the model's weights from plain arrays (the Node model's, sent to the page). */
export function setWeightsFrom(tf: typeof tfCore, model: tfLayers.LayersModel, values: number[][]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(values[i]!, w.shape as number[]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}
