import * as tf from '@tensorflow/tfjs-core';
import { product } from '../core/shape.js';
import type { BorderMode } from './border.js';

/** Interpolation order: `'linear'` (bilinear in 2D, trilinear in 3D) for images, `'nearest'` for masks. */
export type Interpolation = 'linear' | 'nearest';

/** Maps (float, integer-valued) indices into [0, size) by the padding rule; `valid` marks those that were inside. */
function borderIndices(index: tf.Tensor, size: number, padding: BorderMode): { index: tf.Tensor; valid?: tf.Tensor } {
  // Index arithmetic stays in float32: integers are exact below 2^24, and wasm's int32 broadcasting
  // ops are tens of times slower than its float ones (and its int32 ClipByValue does not clip).
  const clamp = (i: tf.Tensor): tf.Tensor => tf.minimum(tf.maximum(i, tf.scalar(0)), tf.scalar(size - 1));
  if (padding === 'edge') return { index: clamp(index) };
  if (padding === 'reflect') {
    if (size === 1) return { index: tf.zerosLike(index) };
    // scipy's 'mirror' (numpy 'reflect'): period 2 (size - 1), border value not repeated.
    const period = 2 * (size - 1);
    const m = tf.mod(index, tf.scalar(period));
    return { index: tf.where(tf.less(m, size), m, tf.sub(tf.scalar(period), m)) };
  }
  if (padding === 'symmetric') {
    // numpy 'symmetric' (scipy 'reflect'): period 2 size, border value repeated.
    const period = 2 * size;
    const m = tf.mod(index, tf.scalar(period));
    return { index: tf.where(tf.less(m, size), m, tf.sub(tf.scalar(period - 1), m)) };
  }
  const valid = tf.logicalAnd(tf.greaterEqual(index, 0), tf.lessEqual(index, size - 1));
  return { index: clamp(index), valid };
}

/**
 * Flat row index (int32) into `[N * voxels, C]` from per-axis indices `[N, P]`, strides and the
 * batch offset `n * voxels`: float arithmetic while exact (below 2^24), int32 beyond.
 */
function linearIndex(indices: tf.Tensor[], strides: number[], n: number, voxels: number): tf.Tensor {
  const exact = n * voxels <= 2 ** 24;
  const dtype = exact ? 'float32' : 'int32';
  const offsets = tf.reshape(tf.mul(tf.range(0, n, 1, dtype), tf.scalar(voxels, dtype)), [n, 1]);
  let linear: tf.Tensor = offsets;
  indices.forEach((index, a) => {
    linear = tf.add(linear, tf.mul(exact ? index : tf.cast(index, 'int32'), tf.scalar(strides[a]!, dtype)));
  });
  return tf.reshape(exact ? tf.cast(linear, 'int32') : linear, [-1]);
}

/**
 * The core of {@link resample}: `axes[a]` holds the input coordinate along spatial axis `a` of
 * every output point, `[N, P]` float32; the result is `[N, ...outSpatial, C]`. Gathers rows of
 * the flattened `[N * voxels, C]` input (not `tf.gather`'s `batchDims`, which the wasm backend
 * gets wrong in tfjs 4.22: rows of later samples come from the wrong offsets).
 */
export function resampleAxes(
  x: tf.Tensor,
  axes: tf.Tensor[],
  outSpatial: readonly number[],
  interpolation: Interpolation,
  padding: BorderMode = 'constant',
  fill = 0,
): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const spatial = x.shape.slice(1, -1);
    const channels = x.shape[x.rank - 1]!;
    const dims = spatial.length;
    const voxels = product(spatial);
    const strides = spatial.map((_, a) => product(spatial.slice(a + 1)));
    const source = interpolation === 'linear' && x.dtype !== 'float32' ? tf.cast(x, 'float32') : x;
    const flat = tf.reshape(source, [n * voxels, channels]);
    const finish = (values: tf.Tensor): tf.Tensor => tf.reshape(values, [n, ...outSpatial, channels]);

    if (interpolation === 'nearest') {
      let valid: tf.Tensor | undefined;
      const indices = axes.map((c, a) => {
        const b = borderIndices(tf.round(c), spatial[a]!, padding);
        if (b.valid) valid = valid ? tf.logicalAnd(valid, b.valid) : b.valid;
        return b.index;
      });
      let values = tf.gather(flat, linearIndex(indices, strides, n, voxels));
      if (valid) values = tf.where(tf.reshape(valid, [-1, 1]), values, tf.fill(values.shape, fill, values.dtype));
      return finish(values);
    }

    const lower = axes.map((c) => tf.floor(c));
    const frac = axes.map((c, a) => tf.sub(c, lower[a]!));
    const corners = axes.map((_, a) => {
      const lo = borderIndices(lower[a]!, spatial[a]!, padding);
      const hi = borderIndices(tf.add(lower[a]!, tf.scalar(1)), spatial[a]!, padding);
      return { lo, hi, wLo: tf.sub(tf.scalar(1), frac[a]!), wHi: frac[a]! };
    });
    let sum: tf.Tensor | undefined;
    let weightSum: tf.Tensor | undefined;
    for (let corner = 0; corner < 2 ** dims; corner++) {
      let weight: tf.Tensor | undefined;
      let valid: tf.Tensor | undefined;
      const indices: tf.Tensor[] = [];
      for (let a = 0; a < dims; a++) {
        const upper = ((corner >> (dims - 1 - a)) & 1) === 1;
        const b = upper ? corners[a]!.hi : corners[a]!.lo;
        const w = upper ? corners[a]!.wHi : corners[a]!.wLo;
        indices.push(b.index);
        weight = weight ? tf.mul(weight, w) : w;
        if (b.valid) valid = valid ? tf.logicalAnd(valid, b.valid) : b.valid;
      }
      if (valid) weight = tf.where(valid, weight!, tf.zerosLike(weight!));
      const term = tf.mul(tf.gather(flat, linearIndex(indices, strides, n, voxels)), tf.reshape(weight!, [-1, 1]));
      sum = sum ? tf.add(sum, term) : term;
      if (valid) weightSum = weightSum ? tf.add(weightSum, weight!) : weight!;
    }
    let values = sum!;
    if (weightSum && fill !== 0) {
      // Points partly outside read the fill value for the missing corners.
      values = tf.add(values, tf.mul(tf.reshape(tf.sub(tf.scalar(1), weightSum), [-1, 1]), tf.scalar(fill)));
    }
    return finish(values);
  });
}

/**
 * Samples a channels-last batch at arbitrary points: `x` `[N, ...S, C]`, `coords` `[N, ...T, k]`
 * with `k = S.length`, each point given as input indices (axis order of `S`). Linear
 * interpolation weighs the `2^k` surrounding voxels; nearest rounds (half to even). Points
 * outside read `fill` (`'constant'`), the border value (`'edge'`) or the mirror image
 * (`'reflect'`, scipy's `'mirror'`; `'symmetric'`, scipy's `'reflect'`), the {@link BorderMode}
 * names of numpy.pad. Built from `tf.gather` on the flattened input so it runs on
 * every backend, in 2D and 3D alike (the approach of `scipy.ndimage.map_coordinates` with order 0/1).
 *
 * Exactness: at integer coordinates linear interpolation returns the input values bit for bit
 * (weights are exactly 1 and 0), which makes identity transforms exact.
 *
 * @returns `[N, ...T, C]`, float32 for linear, the input dtype for nearest.
 * @example `resample(image, coords, 'linear')` // image [1, 8, 8, 1], coords [1, 4, 4, 2] -> [1, 4, 4, 1]
 */
export function resample(
  x: tf.Tensor,
  coords: tf.Tensor,
  interpolation: Interpolation,
  padding: BorderMode = 'constant',
  fill = 0,
): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const dims = x.rank - 2;
    const outSpatial = coords.shape.slice(1, -1);
    const points = product(outSpatial);
    const byAxis = tf.reshape(tf.transpose(tf.reshape(coords, [n, points, dims]), [2, 0, 1]), [dims, n * points]);
    const axes = tf.split(byAxis, dims, 0).map((a) => tf.reshape(a, [n, points]));
    return resampleAxes(x, axes, outSpatial, interpolation, padding, fill);
  });
}

/** Per-axis lines `values(size)` repeated into row-major order over `spatial`: `[k, prod(S)]`. */
function axisGrid(spatial: readonly number[], line: (size: number, axis: number) => tf.Tensor): tf.Tensor2D {
  const total = product(spatial);
  const rows = spatial.map((size, a) => {
    const inner = product(spatial.slice(a + 1));
    const outer = total / (size * inner);
    // Repeat each value `inner` times, the whole line `outer` times.
    const repeated = tf.tile(tf.reshape(tf.tile(tf.reshape(line(size, a), [size, 1]), [1, inner]), [1, size * inner]), [outer, 1]);
    return tf.reshape(repeated, [1, total]);
  });
  return (rows.length === 1 ? rows[0]! : tf.concat(rows, 0)) as tf.Tensor2D;
}

/**
 * Centred index grid of a spatial shape, axis-major: `[k, prod(S)]` float32 holding
 * `index - (size - 1) / 2` along each axis. Differences of small integers and halves are exact
 * in float32, so adding the centre back gives the integer indices exactly.
 */
export function centredGrid(spatial: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => axisGrid(spatial, (size) => tf.sub(tf.range(0, size, 1, 'float32'), tf.scalar((size - 1) / 2))));
}

/**
 * Resizes the spatial axes of `x` `[N, ...S, C]` to `size` with half-pixel centres (the
 * convention of `tf.image.resizeBilinear({ halfPixelCenters: true })`, skimage and PyTorch
 * `align_corners=False`): output index j reads input coordinate (j + 0.5) * S / size - 0.5,
 * borders replicated; nearest reads index floor((j + 0.5) * S / size) as
 * `tf.image.resizeNearestNeighbor(..., halfPixelCenters: true)`. 2D and 3D.
 *
 * @example `resizeSpatial(volume, [32, 64, 64], 'linear')`
 */
export function resizeSpatial(x: tf.Tensor, size: readonly number[], interpolation: Interpolation): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const spatial = x.shape.slice(1, -1);
    const grid = axisGrid(size, (outSize, a) => {
      const centres = tf.mul(tf.add(tf.range(0, outSize, 1, 'float32'), tf.scalar(0.5)), tf.scalar(spatial[a]! / outSize));
      // Nearest takes floor of the centre (no ties to break).
      return interpolation === 'nearest' ? tf.floor(centres) : tf.sub(centres, tf.scalar(0.5));
    });
    const axes = tf.split(grid, size.length, 0).map((row) => tf.tile(row, [n, 1]));
    return resampleAxes(x, axes, size, interpolation, 'edge');
  });
}
