import * as tf from '@tensorflow/tfjs-core';

// Window bookkeeping of Swin attention (Liu et al. 2021, and MONAI's swin_unetr.py, whose
// conventions these follow so weights and outputs carry over): the per-axis window and shift
// actually used, window partition/reverse, the shifted-window mask, the relative position index.

/**
 * MONAI's `get_window_size`: an axis no longer than the window gets a window of its own size
 * and no shift.
 */
export function effectiveWindow(spatial: number[], window: number[], shift: number[]): { window: number[]; shift: number[] } {
  return {
    window: spatial.map((d, i) => (d <= window[i]! ? d : window[i]!)),
    shift: spatial.map((d, i) => (d <= window[i]! ? 0 : shift[i]!)),
  };
}

/**
 * `[N, ...spatial, C]` (each spatial axis divisible by `block`) -> `[N, ...groups, ...block, C]`
 * with `groups = spatial / block`: the element at group `g` and offset `w` of each axis (spatial
 * index `g * block + w`) moves to `[n, ...g, ...w, c]`. That is a transpose of rank `2 * dims + 2`
 * (8 for volumes), which tfjs' WebGL and WebGPU kernels do not compile above 6; N and the first
 * group, and the last offset and C, stay neighbours, so merging each pair by a free reshape makes
 * it a transpose of rank `2 * dims` (6 for volumes) moving the same data, on every backend.
 */
export function gatherBlocks(x: tf.Tensor, block: number[]): tf.Tensor {
  const [n, ...rest] = x.shape;
  const c = rest.pop()!;
  const dims = rest.length;
  const groups = rest.map((d, i) => d / block[i]!);
  // [N*g0, w0, g1, w1, .., g_last, w_last*C] -> [N*g0, g1, .., g_last, w0, .., w_last*C]
  const split = rest.flatMap((_, i) => [i === 0 ? n! * groups[0]! : groups[i]!, i === dims - 1 ? block[i]! * c : block[i]!]).slice(1);
  const merged = tf.reshape(x, [n! * groups[0]!, ...split]);
  const perm = [0, ...Array.from({ length: dims - 1 }, (_, i) => 2 + 2 * i), ...Array.from({ length: dims }, (_, i) => 1 + 2 * i)];
  return tf.reshape(tf.transpose(merged, perm), [n!, ...groups, ...block, c]);
}

/** Inverse of {@link gatherBlocks}: `[N, ...groups, ...block, C]` -> `[N, ...groups * block, C]` (the same rank-`2 * dims` transpose). */
export function scatterBlocks(x: tf.Tensor, dims: number): tf.Tensor {
  const [n, ...rest] = x.shape;
  const c = rest.pop()!;
  const groups = rest.slice(0, dims);
  const block = rest.slice(dims);
  // [N*g0, g1, .., g_last, w0, .., w_last*C] -> [N*g0, w0, g1, w1, .., g_last, w_last*C]
  const merged = tf.reshape(x, [n! * groups[0]!, ...groups.slice(1), ...block.slice(0, -1), block[dims - 1]! * c]);
  const perm = [0, dims, ...Array.from({ length: dims - 1 }, (_, i) => [1 + i, dims + 1 + i]).flat()];
  return tf.reshape(tf.transpose(merged, perm), [n!, ...groups.map((g, i) => g * block[i]!), c]);
}

/**
 * `[N, ...spatial, C]` zero-padded at the end of each spatial axis by `after[i]` (`x` itself when
 * all are 0). A volume pads as a rank-4 pad of its `[N*D, H, W, C]` planes and a rank-3 pad of
 * its `[N, D, H*W*C]` depth rows: tfjs' WebGL and WebGPU `PadV2` shaders do not compile at rank 5.
 */
export function padSpatialEnd(x: tf.Tensor, after: number[]): tf.Tensor {
  if (after.every((a) => a === 0)) return x;
  if (x.rank !== 5) return tf.pad(x, [[0, 0], ...after.map((a): [number, number] => [0, a]), [0, 0]]);
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  const [ad, ah, aw] = after as [number, number, number];
  const planes = ah + aw === 0 ? x : tf.reshape(tf.pad(tf.reshape(x, [n * d, h, w, c]), [[0, 0], [0, ah], [0, aw], [0, 0]]), [n, d, h + ah, w + aw, c]);
  if (ad === 0) return planes;
  return tf.reshape(tf.pad(tf.reshape(planes, [n, d, -1]), [[0, 0], [0, ad], [0, 0]]), [n, d + ad, h + ah, w + aw, c]);
}

/** `[N, ...spatial, C]` (spatial divisible by `window`) -> `[N * windows, prod(window), C]`. */
export function partitionWindows(x: tf.Tensor, window: number[]): tf.Tensor3D {
  const c = x.shape[x.shape.length - 1]!;
  return tf.reshape(gatherBlocks(x, window), [-1, window.reduce((a, b) => a * b, 1), c]);
}

/** Inverse of {@link partitionWindows} for an `[N, ...spatial, C]` target. */
export function reverseWindows(windows: tf.Tensor, window: number[], shape: number[]): tf.Tensor {
  const [n, ...rest] = shape;
  const c = rest.pop()!;
  const groups = rest.map((d, i) => d / window[i]!);
  return scatterBlocks(tf.reshape(windows, [n!, ...groups, ...window, c]), rest.length);
}

/**
 * MONAI's `compute_mask`: after the cyclic shift, a window may hold positions from up to three
 * bands per axis (`[0, n - w)`, `[n - w, n - s)`, `[n - s, n)`) that were not neighbours; the
 * mask is -100 (about zero weight after softmax) between positions of different bands, 0
 * otherwise. Returns `[windows, prod(window), prod(window)]` values for a padded `spatial`.
 */
export function shiftedWindowMask(spatial: number[], window: number[], shift: number[]): { values: Float32Array; shape: [number, number, number] } {
  const band = (i: number, axis: number): number => {
    const [n, w, s] = [spatial[axis]!, window[axis]!, shift[axis]!];
    if (s === 0) return 0;
    return i < n - w ? 0 : i < n - s ? 1 : 2;
  };
  const groups = spatial.map((d, i) => d / window[i]!);
  const windowCount = groups.reduce((a, b) => a * b, 1);
  const size = window.reduce((a, b) => a * b, 1);
  const labels = new Int32Array(windowCount * size);
  for (let win = 0; win < windowCount; win++) {
    const g = unravel(win, groups);
    for (let p = 0; p < size; p++) {
      const o = unravel(p, window);
      labels[win * size + p] = g.reduce((label, gi, axis) => label * 3 + band(gi * window[axis]! + o[axis]!, axis), 0);
    }
  }
  const values = new Float32Array(windowCount * size * size);
  for (let win = 0; win < windowCount; win++) {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) values[(win * size + i) * size + j] = labels[win * size + i] === labels[win * size + j] ? 0 : -100;
    }
  }
  return { values, shape: [windowCount, size, size] };
}

/**
 * Swin's relative position index for a window (MONAI `WindowAttention`): for positions i, j of
 * the window, `sum_a (c_a(i) - c_a(j) + w_a - 1) * prod_{b > a} (2 w_b - 1)`, an index into the
 * `prod(2 w - 1)`-row bias table. `size` < `prod(window)` keeps the top-left `size x size` block,
 * as MONAI does when a stage's input is smaller than the window.
 */
export function relativePositionIndex(window: number[], size = window.reduce((a, b) => a * b, 1)): Int32Array {
  const total = window.reduce((a, b) => a * b, 1);
  if (size > total) throw new Error(`relativePositionIndex: size ${size} exceeds the window's ${total} positions`);
  const strides = window.map((_, a) => window.slice(a + 1).reduce((s, w) => s * (2 * w - 1), 1));
  const index = new Int32Array(size * size);
  for (let i = 0; i < size; i++) {
    const ci = unravel(i, window);
    for (let j = 0; j < size; j++) {
      const cj = unravel(j, window);
      index[i * size + j] = ci.reduce((acc, c, a) => acc + (c - cj[a]! + window[a]! - 1) * strides[a]!, 0);
    }
  }
  return index;
}

function unravel(index: number, dims: number[]): number[] {
  const out = new Array<number>(dims.length);
  let rest = index;
  for (let a = dims.length - 1; a >= 0; a--) {
    out[a] = rest % dims[a]!;
    rest = Math.floor(rest / dims[a]!);
  }
  return out;
}
