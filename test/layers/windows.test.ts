import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { effectiveWindow, gatherBlocks, padSpatialEnd, partitionWindows, scatterBlocks, relativePositionIndex, reverseWindows, shiftedWindowMask } from '../../src/layers/windows.js';

describeEachBackend('Swin window bookkeeping', () => {
  it('effectiveWindow: an axis no longer than the window takes its own size and no shift (MONAI get_window_size)', () => {
    expect(effectiveWindow([48, 6, 7], [7, 7, 7], [3, 3, 3])).toEqual({ window: [7, 6, 7], shift: [3, 0, 0] });
  });

  it('partitionWindows puts each window in row-major order and reverseWindows undoes it', () => {
    // 4x4 map with values 0..15, window 2: window 1 (top right) holds 2, 3, 6, 7.
    const x = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]);
    const windows = partitionWindows(x, [2, 2]);
    expect(windows.shape).toEqual([4, 4, 1]);
    expect(Array.from(windows.dataSync())).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    const back = reverseWindows(windows, [2, 2], [1, 4, 4, 1]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
    const v = tf.reshape(tf.range(0, 4 * 4 * 2 * 3), [1, 4, 4, 2, 3]);
    const back3 = reverseWindows(partitionWindows(v, [2, 2, 2]), [2, 2, 2], [1, 4, 4, 2, 3]);
    expect(Array.from(back3.dataSync())).toEqual(Array.from(v.dataSync()));
    tf.dispose([x, windows, back, v, back3]);
  });

  it('gatherBlocks and scatterBlocks move what the rank-8 (rank-6 in 2D) transpose moves, at rank 6 (4) on every backend', () => {
    for (const [shape, block] of [
      [[2, 4, 6, 2, 3], [2, 3, 2]],
      [[1, 8, 4, 4, 2], [4, 2, 4]],
      [[3, 4, 6, 5], [2, 3]],
    ] as Array<[number[], number[]]>) {
      const x = tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape);
      const [n, ...rest] = shape;
      const c = rest.pop()!;
      const dims = rest.length;
      // By index: spatial position p of axis i is group floor(p / b_i), offset p mod b_i.
      const values = Array.from(x.dataSync());
      const outShape = [n!, ...rest.map((d, i) => d / block[i]!), ...block, c];
      const expected = new Array<number>(values.length);
      values.forEach((v, flat) => {
        const index: number[] = [];
        let r = flat;
        for (let a = shape.length - 1; a >= 0; a--) {
          index.unshift(r % shape[a]!);
          r = Math.floor(r / shape[a]!);
        }
        const spatial = index.slice(1, -1);
        const target = [index[0]!, ...spatial.map((p, i) => Math.floor(p / block[i]!)), ...spatial.map((p, i) => p % block[i]!), index[index.length - 1]!];
        expected[target.reduce((acc, t, a) => acc * outShape[a]! + t, 0)] = v;
      });
      const grouped = gatherBlocks(x, block);
      expect(grouped.shape).toEqual([n, ...rest.map((d, i) => d / block[i]!), ...block, c]);
      expect(Array.from(grouped.dataSync())).toEqual(expected);
      const back = scatterBlocks(grouped, dims);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.dataSync())).toEqual(values);
      tf.dispose([x, grouped, back]);
    }
  });

  it('padSpatialEnd = tf.pad at the end of the spatial axes (rank 5 through rank-4 and rank-3 pads)', () => {
    for (const [shape, after] of [
      [[2, 3, 2, 3, 2], [1, 2, 1]],
      [[1, 3, 2, 3, 2], [1, 0, 0]],
      [[1, 3, 2, 3, 2], [0, 0, 2]],
      [[2, 3, 5, 2], [1, 3]],
    ] as Array<[number[], number[]]>) {
      const x = tf.add(tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape), 1);
      const expected = tf.pad(x, [[0, 0], ...after.map((a): [number, number] => [0, a]), [0, 0]]);
      const y = padSpatialEnd(x, after);
      expect(y.shape).toEqual(expected.shape);
      expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([x, expected, y]);
    }
    const same = tf.ones([1, 2, 2, 2, 1]);
    expect(padSpatialEnd(same, [0, 0, 0])).toBe(same);
    same.dispose();
  });

  it('shiftedWindowMask separates the bands rolled in from the far side (4x4, window 2, shift 1)', () => {
    const { values, shape } = shiftedWindowMask([4, 4], [2, 2], [1, 1]);
    expect(shape).toEqual([4, 4, 4]);
    const win = (w: number) => Array.from(values.slice(w * 16, (w + 1) * 16));
    // Window 0 (rows 0-1, cols 0-1): one band, nothing masked.
    expect(win(0)).toEqual(new Array(16).fill(0));
    // Window 1 (rows 0-1, cols 2-3): col 2 is band 1, col 3 band 2; positions 0=(0,2) 1=(0,3) 2=(1,2) 3=(1,3).
    const m = -100;
    expect(win(1)).toEqual([0, m, 0, m, m, 0, m, 0, 0, m, 0, m, m, 0, m, 0]);
    // Window 3 (rows 2-3, cols 2-3): four different bands, only the diagonal is open.
    expect(win(3)).toEqual([0, m, m, m, m, 0, m, m, m, m, 0, m, m, m, m, 0]);
  });

  it('relativePositionIndex follows Swin: (dy + w - 1) * (2w - 1) + (dx + w - 1); a smaller size keeps the top-left block', () => {
    const index = Array.from(relativePositionIndex([2, 2]));
    // i = 0 (0,0) vs j = 3 (1,1): dy = dx = -1 -> 0; i = 3 vs j = 0 -> 2 * 3 + 2 = 8; i = j -> 4.
    expect(index[0 * 4 + 3]).toBe(0);
    expect(index[3 * 4 + 0]).toBe(8);
    expect([0, 5, 10, 15].map((k) => index[k])).toEqual([4, 4, 4, 4]);
    expect(Math.max(...index)).toBe(8);
    const index3 = relativePositionIndex([2, 2, 2]);
    expect(Math.max(...index3)).toBe(26);
    expect(Array.from(relativePositionIndex([2, 2], 2))).toEqual([index[0], index[1], index[4], index[5]]);
  });
});
