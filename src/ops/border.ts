import * as tf from '@tensorflow/tfjs-core';

/**
 * How values outside a tensor's border are made up when padding or sampling past the edge
 * (numpy.pad's names): `'constant'` fills a value, `'edge'` repeats the border value,
 * `'reflect'` mirrors without repeating it (scipy's `'mirror'`), `'symmetric'` mirrors with it
 * (scipy's `'reflect'`).
 */
export type BorderMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** The border modes, the one vocabulary of padding, resampling and smoothing. */
export const BORDER_MODES: readonly BorderMode[] = ['constant', 'edge', 'reflect', 'symmetric'];

/**
 * The in-range source index for a possibly out-of-range index `i` along an axis of `size`
 * (numpy.pad's conventions): `edge` repeats the border value (`aaa|abc|ccc`), `reflect` mirrors
 * without repeating the border (`cb|abc|ba`), `symmetric` mirrors with it (`ba|abc|cb`).
 * Works for any distance past the border (mirroring repeats periodically). `constant` returns -1
 * for out-of-range indices: the caller fills them. Internal helper.
 *
 * @example `borderIndex(-1, 3, 'reflect')` is 1; `borderIndex(3, 3, 'symmetric')` is 2; `borderIndex(-2, 3, 'edge')` is 0.
 */
export function borderIndex(i: number, size: number, mode: BorderMode): number {
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : size - 1;
    case 'reflect': {
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      const m = ((i % period) + period) % period;
      return m < size ? m : period - m;
    }
    case 'symmetric': {
      const period = 2 * size;
      const m = ((i % period) + period) % period;
      return m < size ? m : period - 1 - m;
    }
  }
}

/**
 * Gathers `x` along `axis` at `indices` where an index of -1 means "fill with `value`".
 * Gather works on every backend and handles any padding width (tf.mirrorPad refuses
 * paddings wider than the tensor).
 */
export function gatherWithBorder(x: tf.Tensor, axis: number, indices: number[], value: number): tf.Tensor {
  return tf.tidy(() => {
    const missing = indices.some((i) => i < 0);
    const gathered = tf.gather(x, tf.tensor1d(indices.map((i) => Math.max(i, 0)), 'int32'), axis);
    if (!missing) return gathered;
    const maskShape = x.shape.map((_, a) => (a === axis ? indices.length : 1));
    const keep = tf.tensor(indices.map((i) => (i < 0 ? 0 : 1)), maskShape, 'bool');
    return tf.where(keep, gathered, tf.fill(gathered.shape, value, gathered.dtype));
  });
}

/**
 * Pads the spatial axes of `x` by explicit `[before, after]` amounts with a border mode.
 * Internal helper shared by padding, patching, sliding windows and 2.5D stacking.
 */
export function padSpatial(x: tf.Tensor, pads: ReadonlyArray<readonly [number, number]>, mode: BorderMode, value = 0): tf.Tensor {
  return tf.tidy(() => {
    if (mode === 'constant') {
      return tf.pad(x, [[0, 0], ...pads.map(([b, a]) => [b, a] as [number, number]), [0, 0]], value);
    }
    let out = x;
    pads.forEach(([before, after], i) => {
      if (before === 0 && after === 0) return;
      const axis = i + 1;
      const size = x.shape[axis]!;
      const indices = Array.from({ length: size + before + after }, (_, j) => borderIndex(j - before, size, mode));
      out = gatherWithBorder(out, axis, indices, value);
    });
    return out === x ? tf.clone(x) : out;
  });
}
