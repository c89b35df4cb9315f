import * as tfl from '@tensorflow/tfjs-layers';
import { createNorm } from '../../src/layers/normAct.js';
import { resolveNorm } from '../../src/layers/normActOptions.js';
import { spatialLayers, type SpatialDims } from '../../src/layers/spatial.js';

type T = tfl.SymbolicTensor;

/** Options of the tiny test encoder-decoders. */
export interface TinyNetOptions {
  spatialDims: SpatialDims;
  size: number;
  filters: number;
  /** Depthwise-separable 2D convs instead of regular ones. */
  separable?: boolean;
  /** Pool straight after conv + BN with no activation in between (pre-activation style). */
  poolBeforeActivation?: boolean;
  /** Levels of pooling (1 or 2). */
  depth?: number;
  seed: number;
}

/**
 * A tiny U-Net built from tf.layers and the core layer table: conv + batch norm + ReLU blocks,
 * max pooling, a transposed-conv up-sampling and a concatenated skip per level, and a 1x1 conv
 * head. Small enough for the cpu backend (8^2 or 8^3 inputs, 2-4 filters).
 */
export function tinyUNet(o: TinyNetOptions): tfl.LayersModel {
  const L = spatialLayers(o.spatialDims);
  const bn = resolveNorm('batch', 'tinyUNet');
  let seed = o.seed;
  const shape = [...new Array<number>(o.spatialDims).fill(o.size), 1];
  const input = tfl.input({ shape });
  const conv = (x: T, filters: number, name: string, activate = true): T => {
    const layer =
      o.separable === true && o.spatialDims === 2
        ? tfl.layers.separableConv2d({
            filters,
            kernelSize: 3,
            padding: 'same',
            depthwiseInitializer: tfl.initializers.heNormal({ seed: seed++ }),
            pointwiseInitializer: tfl.initializers.heNormal({ seed: seed++ }),
            name,
          })
        : L.conv({ filters, kernelSize: 3, name, seed: seed++ });
    let y = layer.apply(x) as T;
    y = createNorm(bn, filters, `${name}_bn`)!.apply(y) as T;
    return activate ? (tfl.layers.reLU().apply(y) as T) : y;
  };
  const depth = o.depth ?? 1;
  const skips: T[] = [];
  let x = input as T;
  for (let level = 0; level < depth; level++) {
    const pre = conv(x, o.filters * 2 ** level, `enc${level}`, o.poolBeforeActivation !== true);
    skips.push(pre);
    x = L.maxPool({ poolSize: 2, name: `pool${level}` }).apply(pre) as T;
    if (o.poolBeforeActivation === true) x = tfl.layers.reLU().apply(x) as T;
  }
  x = conv(x, o.filters * 2 ** depth, 'bottom');
  for (let level = depth - 1; level >= 0; level--) {
    const up = L.convTranspose({ filters: o.filters * 2 ** level, kernelSize: 2, strides: 2, name: `up${level}`, seed: seed++ }).apply(x) as T;
    x = tfl.layers.concatenate({ axis: -1 }).apply([up, skips[level]!]) as T;
    x = conv(x, o.filters * 2 ** level, `dec${level}`);
  }
  const output = L.conv({ filters: 1, kernelSize: 1, name: 'head', seed: seed++ }).apply(x) as T;
  return tfl.model({ inputs: input, outputs: output });
}
