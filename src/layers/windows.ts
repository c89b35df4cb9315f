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

/** `[N, ...spatial, C]` (spatial divisible by `window`) -> `[N * windows, prod(window), C]`. */
export function partitionWindows(x: tf.Tensor, window: number[]): tf.Tensor3D {
  const [n, ...rest] = x.shape;
  const c = rest.pop()!;
  const split = rest.flatMap((d, i) => [d / window[i]!, window[i]!]);
  const dims = rest.length;
  // [N, g0, w0, g1, w1, (g2, w2), C] -> [N, g0, g1, (g2), w0, w1, (w2), C]
  const perm = [0, ...Array.from({ length: dims }, (_, i) => 1 + 2 * i), ...Array.from({ length: dims }, (_, i) => 2 + 2 * i), 1 + 2 * dims];
  const grouped = tf.transpose(tf.reshape(x, [n!, ...split, c]), perm);
  return tf.reshape(grouped, [-1, window.reduce((a, b) => a * b, 1), c]);
}

/** Inverse of {@link partitionWindows} for an `[N, ...spatial, C]` target. */
export function reverseWindows(windows: tf.Tensor, window: number[], shape: number[]): tf.Tensor {
  const [n, ...rest] = shape;
  const c = rest.pop()!;
  const dims = rest.length;
  const groups = rest.map((d, i) => d / window[i]!);
  const grouped = tf.reshape(windows, [n!, ...groups, ...window, c]);
  // [N, g0, g1, (g2), w0, w1, (w2), C] -> [N, g0, w0, g1, w1, (g2, w2), C]
  const perm = [0, ...Array.from({ length: dims }, (_, i) => [1 + i, 1 + dims + i]).flat(), 1 + 2 * dims];
  return tf.reshape(tf.transpose(grouped, perm), shape);
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
