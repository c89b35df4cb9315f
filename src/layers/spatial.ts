import * as tfl from '@tensorflow/tfjs-layers';
import { cropping2d, cropping3d, type CroppingSpec } from './cropping.js';
import { globalAveragePooling3d } from './globalAveragePooling3d.js';
import { upSampling2d } from './upSampling2d.js';
import { upSampling3d } from './upSampling3d.js';
import { assertInteger, assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject, assertSpatialDims, fail } from '../core/assert.js';

/** Number of spatial axes: 2 for images `[N, H, W, C]`, 3 for volumes `[N, D, H, W, C]`. */
export type SpatialDims = 2 | 3;

/** A tfjs layer, as returned by every factory of the table. */
export type Layer = tfl.layers.Layer;

/** Arguments of a convolution (regular or transposed) in the table. */
export interface SpatialConvArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  dilationRate?: number;
  useBias?: boolean;
  name?: string;
  /** Seed of the Glorot/He initializer, for repeatable weights. */
  seed?: number;
  /** `'heNormal'` (default, He et al. 2015, suits ReLU nets) or `'glorotUniform'` (Keras' default). */
  kernelInitializer?: 'heNormal' | 'glorotUniform';
}

/** Arguments of a pooling layer in the table. */
export interface SpatialPoolArgs {
  poolSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  name?: string;
}

/** Arguments of an up-sampling layer in the table. */
export interface SpatialUpsampleArgs {
  size: number;
  /** `'nearest'` or `'linear'` (bilinear in 2D; trilinear in 3D). */
  interpolation?: 'nearest' | 'linear';
  name?: string;
}

/**
 * The per-rank layer factories every block draws from, so one code path builds 2D and 3D nets
 * (MONAI's `Conv[Conv.CONV, dims]` factory idea as a typed record).
 */
export interface SpatialLayerTable {
  readonly spatialDims: SpatialDims;
  conv(args: SpatialConvArgs): Layer;
  convTranspose(args: SpatialConvArgs): Layer;
  maxPool(args: SpatialPoolArgs): Layer;
  avgPool(args: SpatialPoolArgs): Layer;
  upsample(args: SpatialUpsampleArgs): Layer;
  globalAvgPool(args?: { name?: string }): Layer;
  /** Removes `[before, after]` positions per spatial axis (Keras' `Cropping2D` / `Cropping3D`; `null` sizes stay `null`). */
  crop(args: { cropping: CroppingSpec; name?: string }): Layer;
  /**
   * Dropout of whole feature maps (one draw per sample and channel), i.e. SpatialDropout2D/3D,
   * saved as a Keras `Dropout` with `noise_shape` `[null, 1, 1, null]` (2D) / `[null, 1, 1, 1, null]` (3D).
   * A `seed` fixes the mask: tfjs re-seeds its generator on every call, so the same maps are
   * dropped at every training step. Leave it unset for training; use it for repeatable tests.
   */
  spatialDropout(args: { rate: number; name?: string; seed?: number }): Layer;
  /** Plain element-wise dropout (same `seed` caveat as {@link SpatialLayerTable.spatialDropout}). */
  dropout(args: { rate: number; name?: string; seed?: number }): Layer;
}

function initializer(args: SpatialConvArgs): ReturnType<typeof tfl.initializers.heNormal> {
  return args.kernelInitializer === 'glorotUniform'
    ? tfl.initializers.glorotUniform({ seed: args.seed })
    : tfl.initializers.heNormal({ seed: args.seed });
}

function repeat<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

const CONV_KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'useBias', 'name', 'seed', 'kernelInitializer'];
const POOL_KEYS = ['poolSize', 'strides', 'padding', 'name'];

// The table is the one door to conv/pool/upsample layers, so it checks its arguments here
// (with the table's method as the function name) rather than letting tfjs fail later, or not at all.
function checkConv(fn: string, args: SpatialConvArgs): void {
  assertOptionsObject(fn, args, 'args');
  assertKnownKeys(fn, args, CONV_KEYS, 'args');
  assertInteger(fn, 'args.filters', args.filters, { min: 1 });
  assertInteger(fn, 'args.kernelSize', args.kernelSize, { min: 1 });
  if (args.strides !== undefined) assertInteger(fn, 'args.strides', args.strides, { min: 1 });
  if (args.dilationRate !== undefined) assertInteger(fn, 'args.dilationRate', args.dilationRate, { min: 1 });
  if (args.padding !== undefined) assertOneOf(fn, 'args.padding', args.padding, ['same', 'valid']);
  if (args.kernelInitializer !== undefined) {
    assertOneOf(fn, 'args.kernelInitializer', args.kernelInitializer, ['heNormal', 'glorotUniform']);
  }
  if (args.seed !== undefined) assertNumber(fn, 'args.seed', args.seed);
}

function checkPool(fn: string, args: SpatialPoolArgs): void {
  assertOptionsObject(fn, args, 'args');
  assertKnownKeys(fn, args, POOL_KEYS, 'args');
  assertInteger(fn, 'args.poolSize', args.poolSize, { min: 1 });
  if (args.strides !== undefined) assertInteger(fn, 'args.strides', args.strides, { min: 1 });
  if (args.padding !== undefined) assertOneOf(fn, 'args.padding', args.padding, ['same', 'valid']);
}

function checkDropout(fn: string, args: { rate: number; seed?: number }): void {
  assertOptionsObject(fn, args, 'args');
  assertKnownKeys(fn, args, ['rate', 'name', 'seed'], 'args');
  // rate 1 would drop everything and divide by zero when rescaling.
  assertNumber(fn, 'args.rate', args.rate, { min: 0, max: 1, maxExclusive: true });
  if (args.seed !== undefined) assertNumber(fn, 'args.seed', args.seed);
}

function makeTable(spatialDims: SpatialDims): SpatialLayerTable {
  const fn = (method: string) => `spatialLayers(${spatialDims}).${method}`;
  const tuple = (v: number): [number, number] | [number, number, number] =>
    spatialDims === 2 ? [v, v] : [v, v, v];
  const convConfig = (args: SpatialConvArgs) => ({
    filters: args.filters,
    kernelSize: tuple(args.kernelSize),
    strides: tuple(args.strides ?? 1),
    padding: args.padding ?? 'same',
    dilationRate: tuple(args.dilationRate ?? 1),
    useBias: args.useBias ?? true,
    kernelInitializer: initializer(args),
    name: args.name,
  });
  const poolConfig = (args: SpatialPoolArgs) => ({
    poolSize: tuple(args.poolSize),
    strides: tuple(args.strides ?? args.poolSize),
    padding: args.padding ?? 'valid',
    name: args.name,
  });
  const noiseShape = [null, ...repeat(spatialDims, 1), null];
  return {
    spatialDims,
    conv: (args) => {
      checkConv(fn('conv'), args);
      return spatialDims === 2
        ? tfl.layers.conv2d(convConfig(args) as never)
        : tfl.layers.conv3d(convConfig(args) as never);
    },
    convTranspose: (args) => {
      checkConv(fn('convTranspose'), args);
      if (args.dilationRate !== undefined && args.dilationRate !== 1) {
        fail(fn('convTranspose'), 'args.dilationRate', args.dilationRate, '1 (tfjs transposed convolutions have no dilation)');
      }
      // tfjs transposed convs reject dilation; drop it rather than pass [1, 1].
      const { dilationRate: _unused, ...config } = convConfig(args);
      return spatialDims === 2
        ? tfl.layers.conv2dTranspose(config as never)
        : tfl.layers.conv3dTranspose(config as never);
    },
    maxPool: (args) => {
      checkPool(fn('maxPool'), args);
      return spatialDims === 2
        ? tfl.layers.maxPooling2d(poolConfig(args) as never)
        : tfl.layers.maxPooling3d(poolConfig(args) as never);
    },
    avgPool: (args) => {
      checkPool(fn('avgPool'), args);
      return spatialDims === 2
        ? tfl.layers.averagePooling2d(poolConfig(args) as never)
        : tfl.layers.averagePooling3d(poolConfig(args) as never);
    },
    upsample: (args) => {
      assertOptionsObject(fn('upsample'), args, 'args');
      assertKnownKeys(fn('upsample'), args, ['size', 'interpolation', 'name'], 'args');
      assertInteger(fn('upsample'), 'args.size', args.size, { min: 1 });
      const interpolation = args.interpolation ?? 'nearest';
      assertOneOf(fn('upsample'), 'args.interpolation', interpolation, ['nearest', 'linear']);
      return spatialDims === 2
        ? upSampling2d({ size: [args.size, args.size], interpolation: interpolation === 'linear' ? 'bilinear' : 'nearest', name: args.name })
        : upSampling3d({ size: [args.size, args.size, args.size], interpolation, name: args.name });
    },
    globalAvgPool: (args = {}) =>
      spatialDims === 2 ? tfl.layers.globalAveragePooling2d({ name: args.name }) : globalAveragePooling3d({ name: args.name }),
    crop: (args) => {
      assertOptionsObject(fn('crop'), args, 'args');
      assertKnownKeys(fn('crop'), args, ['cropping', 'name'], 'args');
      return spatialDims === 2 ? cropping2d({ cropping: args.cropping, name: args.name }) : cropping3d({ cropping: args.cropping, name: args.name });
    },
    spatialDropout: (args) => {
      checkDropout(fn('spatialDropout'), args);
      return tfl.layers.dropout({ rate: args.rate, noiseShape: noiseShape as number[], seed: args.seed, name: args.name });
    },
    dropout: (args) => {
      checkDropout(fn('dropout'), args);
      return tfl.layers.dropout({ rate: args.rate, seed: args.seed, name: args.name });
    },
  };
}

// Built on first use, not at import, so the module does no top-level work (tree-shaking).
const tables: Partial<Record<SpatialDims, SpatialLayerTable>> = {};

/**
 * The layer table for `spatialDims` (2 or 3).
 *
 * @example
 * ```ts
 * const L = spatialLayers(3);
 * const y = L.conv({ filters: 8, kernelSize: 3, name: 'enc1_conv1' }).apply(x) as tfl.SymbolicTensor;
 * ```
 */
export function spatialLayers(spatialDims: SpatialDims): SpatialLayerTable {
  assertSpatialDims('spatialLayers', spatialDims);
  return (tables[spatialDims] ??= makeTable(spatialDims));
}
