import * as tf from '@tensorflow/tfjs-core';

/** Interpolation order: `'linear'` (bilinear in 2D, trilinear in 3D) for images, `'nearest'` for masks. */
export type Interpolation = 'linear' | 'nearest';

/** What a sample point outside the input reads: a constant, the nearest border value, or the mirror image. */
export type ResamplePadding = 'constant' | 'edge' | 'reflect';

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** Clamps int32 indices (wasm's ClipByValue mishandles int32 in tfjs 4.22: [20] clipped to 15 stays 20). */
function clampIndex(index: tf.Tensor, size: number): tf.Tensor {
  return tf.minimum(tf.maximum(index, tf.scalar(0, 'int32')), tf.scalar(size - 1, 'int32'));
}

/** Maps integer indices into [0, size) by the padding rule; `valid` is 1 where the index was inside. */
function borderIndices(index: tf.Tensor, size: number, padding: ResamplePadding): { index: tf.Tensor; valid?: tf.Tensor } {
  if (padding === 'edge') return { index: clampIndex(index, size) };
  if (padding === 'reflect') {
    if (size === 1) return { index: tf.zerosLike(index) };
    // scipy's 'mirror' (numpy 'reflect'): period 2 (size - 1), border value not repeated.
    const period = 2 * (size - 1);
    const m = tf.mod(index, tf.scalar(period, 'int32'));
    return { index: tf.where(tf.less(m, size), m, tf.sub(tf.scalar(period, 'int32'), m)) };
  }
  const valid = tf.logicalAnd(tf.greaterEqual(index, 0), tf.less(index, size));
  return { index: clampIndex(index, size), valid };
}

/**
 * Samples a channels-last batch at arbitrary points: `x` `[N, ...S, C]`, `coords` `[N, ...T, k]`
 * with `k = S.length`, each point given as input indices (axis order of `S`). Linear
 * interpolation weighs the `2^k` surrounding voxels; nearest rounds (half to even). Built from
 * `tf.gather` on the flattened input so it runs on every backend, in 2D and 3D alike (the
 * approach of `scipy.ndimage.map_coordinates` with order 0/1).
 *
 * Exactness: at integer coordinates linear interpolation returns the input values bit for bit
 * (weights are exactly 1 and 0), which makes identity transforms exact.
 *
 * @returns `[N, ...T, C]`, float32 for linear, the input dtype for nearest.
 */
export function resample(
  x: tf.Tensor,
  coords: tf.Tensor,
  interpolation: Interpolation,
  padding: ResamplePadding = 'constant',
  fill = 0,
): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const spatial = x.shape.slice(1, -1);
    const channels = x.shape[x.rank - 1]!;
    const dims = spatial.length;
    const outSpatial = coords.shape.slice(1, -1);
    const points = product(outSpatial);
    const voxels = product(spatial);
    const strides = spatial.map((_, a) => product(spatial.slice(a + 1)));
    const source = interpolation === 'linear' && x.dtype !== 'float32' ? tf.cast(x, 'float32') : x;
    const flat = tf.reshape(source, [n * voxels, channels]);
    const batchOffset = tf.mul(tf.reshape(tf.range(0, n, 1, 'int32'), [n, 1]), tf.scalar(voxels, 'int32'));
    const axes = tf.unstack(tf.reshape(coords, [n, points, dims]), 2);
    const finish = (values: tf.Tensor): tf.Tensor => tf.reshape(values, [n, ...outSpatial, channels]);

    if (interpolation === 'nearest') {
      let linear: tf.Tensor = batchOffset;
      let valid: tf.Tensor | undefined;
      axes.forEach((c, a) => {
        const b = borderIndices(tf.cast(tf.round(c), 'int32'), spatial[a]!, padding);
        linear = tf.add(linear, tf.mul(b.index, tf.scalar(strides[a]!, 'int32')));
        if (b.valid) valid = valid ? tf.logicalAnd(valid, b.valid) : b.valid;
      });
      let values = tf.gather(flat, tf.reshape(linear, [-1]));
      if (valid) {
        const keep = tf.reshape(valid, [-1, 1]);
        values = tf.where(keep, values, tf.fill(values.shape, fill, values.dtype));
      }
      return finish(values);
    }

    const lower = axes.map((c) => tf.floor(c));
    const frac = axes.map((c, a) => tf.sub(c, lower[a]!));
    const lowerInt = lower.map((f) => tf.cast(f, 'int32'));
    let sum: tf.Tensor | undefined;
    let weightSum: tf.Tensor | undefined;
    for (let corner = 0; corner < 2 ** dims; corner++) {
      let linear: tf.Tensor = batchOffset;
      let weight: tf.Tensor | undefined;
      let valid: tf.Tensor | undefined;
      for (let a = 0; a < dims; a++) {
        const upper = ((corner >> (dims - 1 - a)) & 1) === 1;
        const index = upper ? tf.add(lowerInt[a]!, tf.scalar(1, 'int32')) : lowerInt[a]!;
        const w = upper ? frac[a]! : tf.sub(tf.scalar(1), frac[a]!);
        const b = borderIndices(index, spatial[a]!, padding);
        linear = tf.add(linear, tf.mul(b.index, tf.scalar(strides[a]!, 'int32')));
        weight = weight ? tf.mul(weight, w) : w;
        if (b.valid) valid = valid ? tf.logicalAnd(valid, b.valid) : b.valid;
      }
      if (valid) weight = tf.where(valid, weight!, tf.zerosLike(weight!));
      const term = tf.mul(tf.gather(flat, tf.reshape(linear, [-1])), tf.reshape(weight!, [-1, 1]));
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
 * Centred index grid of a spatial shape: `[prod(S), k]` float32 with `index - (size - 1) / 2`
 * per axis. Differences of small integers and halves are exact in
 * float32, so `grid + centre` gives back the integer indices exactly.
 */
export function centredGrid(spatial: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const total = product(spatial);
    const columns = spatial.map((size, a) => {
      const inner = product(spatial.slice(a + 1));
      const outer = total / (size * inner);
      const line = tf.sub(tf.range(0, size, 1, 'float32'), tf.scalar((size - 1) / 2));
      // Repeat each value `inner` times, the whole line `outer` times (row-major order).
      const repeated = tf.tile(tf.reshape(tf.tile(tf.reshape(line, [size, 1]), [1, inner]), [1, size * inner]), [outer, 1]);
      return tf.reshape(repeated, [total]);
    });
    return tf.stack(columns, 1) as tf.Tensor2D;
  });
}

/**
 * Resizes the spatial axes of `x` `[N, ...S, C]` to `size` with half-pixel centres (the
 * convention of `tf.image.resizeBilinear({ halfPixelCenters: true })`, skimage and PyTorch
 * `align_corners=False`): output index j reads input coordinate (j + 0.5) * S / size - 0.5,
 * borders replicated; nearest reads index floor((j + 0.5) * S / size) as
 * `tf.image.resizeNearestNeighbor(..., halfPixelCenters: true)`.
 */
export function resizeSpatial(x: tf.Tensor, size: readonly number[], interpolation: Interpolation): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const spatial = x.shape.slice(1, -1);
    const total = product(size);
    const columns = size.map((outSize, a) => {
      const scale = spatial[a]! / outSize;
      const inner = product(size.slice(a + 1));
      const outer = total / (outSize * inner);
      const centres = tf.mul(tf.add(tf.range(0, outSize, 1, 'float32'), tf.scalar(0.5)), tf.scalar(scale));
      // Nearest takes floor of the centre (tf.image.resizeNearestNeighbor with half-pixel centres), avoiding ties.
      const line = interpolation === 'nearest' ? tf.floor(centres) : tf.sub(centres, tf.scalar(0.5));
      const repeated = tf.tile(tf.reshape(tf.tile(tf.reshape(line, [outSize, 1]), [1, inner]), [1, outSize * inner]), [outer, 1]);
      return tf.reshape(repeated, [total]);
    });
    const coords = tf.tile(tf.reshape(tf.stack(columns, 1), [1, ...size, size.length]), [n, ...size.map(() => 1), 1]);
    return resample(x, coords, interpolation, 'edge');
  });
}
