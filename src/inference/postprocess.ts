import * as tf from '@tensorflow/tfjs-core';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOptionsObject,
  assertRank,
  fail,
} from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { assertFinite } from '../ops/assertFinite.js';
import { labelComponents, resolveConnectivity, type Connectivity } from './components.js';
import { oneHot as oneHotLabels } from '../ops/oneHot.js';

/** Options shared by the connected-component post-processing functions. */
export interface ComponentOptions {
  /**
   * Neighbourhood: 4 or 8 for 2D masks, 6, 18 or 26 for 3D. Default: full (8 / 26) for
   * {@link keepLargestComponent}, {@link removeSmallObjects} and {@link connectedComponents}
   * (scikit-image / MONAI), face (4 / 6) for {@link fillHoles} (scipy's `binary_fill_holes`).
   */
  connectivity?: Connectivity;
  /** Labels to process; default every non-zero label present in the sample. */
  labels?: number[];
}

/** Options of {@link keepLargestComponent}. */
export interface KeepLargestOptions extends ComponentOptions {
  /**
   * `true` (default): keep the largest component of each label separately. `false`: treat all
   * processed labels as one foreground and keep its largest component (MONAI's `independent`).
   */
  independent?: boolean;
}

/** Options of {@link argmax}. */
export interface ArgmaxOptions {
  /** Return a one-hot float32 map `[..., K]` instead of int32 labels `[..., 1]`. Default false. */
  oneHot?: boolean;
}

interface MaskInfo {
  spatialDims: 2 | 3;
  samples: number;
  dims: [number, number, number];
  values: Float32Array | Int32Array | Uint8Array;
}

function readMask(fn: string, mask: unknown): MaskInfo {
  assertRank(fn, 'mask', mask as tf.Tensor, [4, 5], '[N, H, W, 1] or [N, D, H, W, 1]');
  const t = mask as tf.Tensor;
  if (!(t instanceof tf.Tensor)) fail(fn, 'mask', mask, 'a tensor');
  if (t.isDisposed) fail(fn, 'mask', mask, 'a live tensor (this one is disposed)');
  if (t.shape[t.rank - 1] !== 1) {
    throw new UnetKitError(
      fn,
      'mask',
      `has shape [${t.shape.join(', ')}] (${t.shape[t.rank - 1]} channels); expected one channel of labels: threshold or argmax the probabilities first.`,
    );
  }
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) {
      throw new UnetKitError(fn, 'mask', `holds the non-integer value ${v} at flat index ${i}; expected a binary mask or integer label map: threshold or argmax first.`);
    }
  }
  const spatialDims = (t.rank - 2) as 2 | 3;
  const s = t.shape.slice(1, -1);
  const dims: [number, number, number] = spatialDims === 2 ? [1, s[0]!, s[1]!] : [s[0]!, s[1]!, s[2]!];
  return { spatialDims, samples: t.shape[0]!, dims, values };
}

function readOptions(fn: string, options: unknown, extra: string[]): ComponentOptions & Record<string, unknown> {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options as object | undefined, ['connectivity', 'labels', ...extra]);
  const o = (options ?? {}) as ComponentOptions & Record<string, unknown>;
  if (o.labels !== undefined) assertNumberArray(fn, 'options.labels', o.labels, { integer: true });
  if (o.labels?.includes(0)) fail(fn, 'options.labels', o.labels, 'non-zero labels (0 is background)');
  return o;
}

function labelsOf(values: ArrayLike<number>, start: number, length: number, chosen: number[] | undefined): number[] {
  if (chosen !== undefined) return chosen;
  const present = new Set<number>();
  for (let i = start; i < start + length; i++) if (values[i] !== 0) present.add(values[i]!);
  return [...present].sort((a, b) => a - b);
}

function processEach(
  fn: string,
  mask: tf.Tensor,
  options: ComponentOptions | undefined,
  fullByDefault: boolean,
  extra: string[],
  body: (sample: Float64Array, info: MaskInfo, connectivity: Connectivity, labels: number[]) => void,
): tf.Tensor {
  const o = readOptions(fn, options, extra);
  const info = readMask(fn, mask);
  const connectivity = resolveConnectivity(fn, o.connectivity, info.spatialDims, fullByDefault);
  const volume = info.dims[0] * info.dims[1] * info.dims[2];
  const out = new Float64Array(info.values.length);
  for (let s = 0; s < info.samples; s++) {
    const sample = Float64Array.from(info.values.subarray(s * volume, (s + 1) * volume));
    body(sample, info, connectivity, labelsOf(info.values, s * volume, volume, o.labels));
    out.set(sample, s * volume);
  }
  if (mask.dtype === 'int32') return tf.tensor(Int32Array.from(out), mask.shape, 'int32');
  if (mask.dtype === 'bool') return tf.tensor(Uint8Array.from(out), mask.shape, 'bool');
  return tf.tensor(Float32Array.from(out), mask.shape, 'float32');
}

/**
 * Binarizes probabilities: 1 where `probs >= value`, else 0 (MONAI's `AsDiscrete(threshold=)`).
 *
 * @param probs - any tensor, usually sigmoid probabilities `[N, ..., C]`.
 * @param value - the threshold. Default 0.5.
 * @returns a float32 0/1 tensor of `probs`' shape (the caller disposes it).
 * @example `const mask = threshold(sigmoidProbs, 0.5);`
 */
export function threshold(probs: tf.Tensor, value = 0.5): tf.Tensor {
  const fn = 'threshold';
  if (!(probs instanceof tf.Tensor)) fail(fn, 'probs', probs, 'a tensor');
  assertNumber(fn, 'value', value);
  // NaN >= value is false: a NaN voxel would silently become background.
  assertFinite(fn, 'probs', probs);
  return tf.tidy(() => tf.cast(tf.greaterEqual(probs, value), 'float32'));
}

/**
 * The most likely class per voxel of channels-last scores `[N, ..., K]`.
 *
 * @returns int32 labels `[N, ..., 1]` (channel kept so the other post-processing functions and
 * the metrics take it), or with `oneHot` a float32 one-hot `[N, ..., K]`.
 * @example `const labels = argmax(softmaxProbs); // [1, 64, 64, 1], values 0..K-1`
 */
export function argmax(probs: tf.Tensor, options: ArgmaxOptions = {}): tf.Tensor {
  const fn = 'argmax';
  if (!(probs instanceof tf.Tensor) || probs.rank < 2) fail(fn, 'probs', probs, 'a tensor [N, ..., K] with classes last');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['oneHot']);
  const { oneHot = false } = options;
  assertBoolean(fn, 'options.oneHot', oneHot);
  // argMax over a NaN score picks a backend-dependent class: a silent wrong label.
  assertFinite(fn, 'probs', probs);
  const classes = probs.shape[probs.rank - 1]!;
  return tf.tidy(() => {
    const labels = tf.argMax(probs, -1);
    if (oneHot) return oneHotLabels(labels, classes);
    return tf.expandDims(labels, -1);
  });
}

/**
 * Labels the connected components of the foreground (`mask != 0`) of each sample: 0 for
 * background, 1..k for the components in scan order.
 *
 * @param mask - `[N, H, W, 1]` or `[N, D, H, W, 1]` binary mask or label map.
 * @returns int32 `[N, ..., 1]` component numbers (the caller disposes it).
 * @example `const parts = connectedComponents(mask, { connectivity: 4 });`
 */
export function connectedComponents(mask: tf.Tensor, options: Pick<ComponentOptions, 'connectivity'> = {}): tf.Tensor {
  const fn = 'connectedComponents';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['connectivity']);
  const info = readMask(fn, mask);
  const connectivity = resolveConnectivity(fn, options.connectivity, info.spatialDims, true);
  const volume = info.dims[0] * info.dims[1] * info.dims[2];
  const out = new Int32Array(info.values.length);
  for (let s = 0; s < info.samples; s++) {
    const base = s * volume;
    const { labels } = labelComponents((i) => info.values[base + i] !== 0, info.dims, connectivity);
    out.set(labels, base);
  }
  return tf.tensor(out, mask.shape, 'int32');
}

/**
 * Keeps only the largest connected component of each label (or of the whole foreground with
 * `independent: false`) and sets the rest to 0, as MONAI's `KeepLargestConnectedComponent`:
 * removes spurious blobs away from the organ.
 *
 * @param mask - `[N, H, W, 1]` or `[N, D, H, W, 1]` binary mask or integer label map.
 * @returns a tensor of `mask`'s shape and dtype (the caller disposes it).
 * @example `const clean = keepLargestComponent(threshold(probs), { connectivity: 8 });`
 */
export function keepLargestComponent(mask: tf.Tensor, options: KeepLargestOptions = {}): tf.Tensor {
  const fn = 'keepLargestComponent';
  const independent = (options as KeepLargestOptions | undefined)?.independent ?? true;
  assertBoolean(fn, 'options.independent', independent);
  return processEach(fn, mask, options, true, ['independent'], (sample, info, connectivity, labels) => {
    const groups = independent ? labels.map((l) => [l]) : [labels];
    for (const group of groups) {
      if (group.length === 0) continue;
      const { labels: parts, sizes } = labelComponents((i) => group.includes(sample[i]!), info.dims, connectivity);
      let largest = 0;
      for (let k = 1; k < sizes.length; k++) if (sizes[k]! > (sizes[largest] ?? 0)) largest = k;
      for (let i = 0; i < sample.length; i++) if (parts[i]! !== 0 && parts[i] !== largest) sample[i] = 0;
    }
  });
}

/**
 * Removes connected components smaller than `minSize` voxels from each label (set to 0), as
 * scikit-image's `remove_small_objects` / MONAI's `RemoveSmallObjects` (a component of exactly
 * `minSize` voxels stays).
 *
 * @param mask - `[N, H, W, 1]` or `[N, D, H, W, 1]` binary mask or integer label map.
 * @param minSize - the smallest component kept, in voxels.
 * @returns a tensor of `mask`'s shape and dtype (the caller disposes it).
 * @example `const clean = removeSmallObjects(mask, 50);`
 */
export function removeSmallObjects(mask: tf.Tensor, minSize: number, options: ComponentOptions = {}): tf.Tensor {
  const fn = 'removeSmallObjects';
  assertInteger(fn, 'minSize', minSize, { min: 1 });
  return processEach(fn, mask, options, true, [], (sample, info, connectivity, labels) => {
    for (const label of labels) {
      const { labels: parts, sizes } = labelComponents((i) => sample[i] === label, info.dims, connectivity);
      for (let i = 0; i < sample.length; i++) if (parts[i]! !== 0 && sizes[parts[i]!]! < minSize) sample[i] = 0;
    }
  });
}

/**
 * Fills holes: background regions enclosed by a label (connected components of "not this
 * label" that do not reach the image border and hold only background, 0) get that label, as
 * scipy's `binary_fill_holes` / MONAI's `FillHoles`. Regions holding another label are left
 * alone. The connectivity is that of the background regions (default 4 / 6).
 *
 * @param mask - `[N, H, W, 1]` or `[N, D, H, W, 1]` binary mask or integer label map.
 * @returns a tensor of `mask`'s shape and dtype (the caller disposes it).
 * @example `const solid = fillHoles(brainMask);`
 */
export function fillHoles(mask: tf.Tensor, options: ComponentOptions = {}): tf.Tensor {
  const fn = 'fillHoles';
  return processEach(fn, mask, options, false, [], (sample, info, connectivity, labels) => {
    for (const label of labels) {
      const { labels: parts, sizes, touchesBorder } = labelComponents((i) => sample[i] !== label, info.dims, connectivity);
      const onlyBackground = sizes.map(() => true);
      for (let i = 0; i < sample.length; i++) if (parts[i]! !== 0 && sample[i] !== 0) onlyBackground[parts[i]!] = false;
      for (let i = 0; i < sample.length; i++) {
        const k = parts[i]!;
        if (k !== 0 && !touchesBorder[k] && onlyBackground[k]) sample[i] = label;
      }
    }
  });
}
