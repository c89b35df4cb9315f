// The bench U-Net's topology and sizes, with the tfjs-layers namespace and the batch-norm layer
// passed in: Node (bench/nets.ts, from src/) and the browser bench page (bench/browserPage.ts,
// from the built dist/) build the very same net without bundling two copies of the library.
import type * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

type T = tfl.SymbolicTensor;

/** The sizes of one bench net: rank, input side, batch and filters per level. */
export interface BenchNetSpec {
  readonly spatialDims: 2 | 3;
  readonly size: number;
  readonly batch: number;
  readonly filters: readonly number[];
}

/** The bench nets of `npm run bench`: 2D 16..256 at 4x128x128x1, 3D 8..64 at 2x64^3x1. */
export const BENCH_NETS: Readonly<Record<'2d' | '3d', BenchNetSpec>> = {
  '2d': { spatialDims: 2, size: 128, batch: 4, filters: [16, 32, 64, 128, 256] },
  '3d': { spatialDims: 3, size: 64, batch: 2, filters: [8, 16, 32, 64] },
};

/** What the builder needs: tfjs-layers and a batch-norm layer factory (unet-kit's). */
export interface BenchNetLibrary {
  readonly tfl: typeof tfl;
  readonly batchNormalization: () => tfl.layers.Layer;
}

/** A plain U-Net: per level two (conv 3 + BN + ReLU), max pool 2, transposed-conv 2 up, concat skip. */
export function buildBenchUNet(lib: BenchNetLibrary, spatialDims: 2 | 3, inputSize: number, filters: readonly number[]): tfl.LayersModel {
  const { tfl: layersApi, batchNormalization } = lib;
  const k = (v: number) => new Array<number>(spatialDims).fill(v);
  const conv = (f: number) =>
    spatialDims === 2
      ? layersApi.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', kernelInitializer: layersApi.initializers.heNormal({ seed: 1 }) })
      : layersApi.layers.conv3d({ filters: f, kernelSize: 3, padding: 'same', kernelInitializer: layersApi.initializers.heNormal({ seed: 1 }) });
  const block = (x: T, f: number): T => {
    for (let i = 0; i < 2; i++) {
      x = conv(f).apply(x) as T;
      x = batchNormalization().apply(x) as T;
      x = layersApi.layers.reLU().apply(x) as T;
    }
    return x;
  };
  const pool = () => (spatialDims === 2 ? layersApi.layers.maxPooling2d({ poolSize: 2 }) : layersApi.layers.maxPooling3d({ poolSize: 2 }));
  const up = (f: number) =>
    spatialDims === 2
      ? layersApi.layers.conv2dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: 'same' })
      : layersApi.layers.conv3dTranspose({ filters: f, kernelSize: 2, strides: 2, padding: 'same' });
  const input = layersApi.input({ shape: [...k(inputSize), 1] });
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
    x = layersApi.layers.concatenate().apply([x, skips[level]!]) as T;
    x = block(x, filters[level]!);
  }
  const head = spatialDims === 2 ? layersApi.layers.conv2d({ filters: 1, kernelSize: 1 }) : layersApi.layers.conv3d({ filters: 1, kernelSize: 1 });
  return layersApi.model({ inputs: input, outputs: head.apply(x) as T });
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

/**
 * The batch every bench row times on `model` (a net of `spec`), from the `tf` the caller runs
 * (Node's or a page's): input `x` `[batch, size..., 1]` of seeded normal noise, the binary target
 * `y = x > 0`, and the forward FLOPs of the whole batch.
 */
export function benchBatch(tf: typeof tfc, model: tfl.LayersModel, spec: BenchNetSpec): { shape: number[]; x: tfc.Tensor; y: tfc.Tensor; flops: number } {
  const shape = [spec.batch, ...new Array<number>(spec.spatialDims).fill(spec.size), 1];
  const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
  return { shape, x, y, flops: forwardFlopsPerSample(model) * spec.batch };
}
