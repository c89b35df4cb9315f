import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { BORDER_MODES, borderIndex } from '../../src/ops/border.js';
import { centredGrid, resample, resizeSpatial } from '../../src/ops/resample.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat, rampImage } from '../augment/helpers.js';

describeEachBackend('resample', () => {
  // x = [[1, 2], [3, 4]] as [1, 2, 2, 1].
  const make = () => tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);

  it('interpolates bilinearly at hand-computed points', async () => {
    const x = make();
    // (0.5, 0.5): mean of all four = 2.5; (0, 0.25): 1 + 0.25 * (2 - 1) = 1.25;
    // (0.75, 1): 2 + 0.75 * (4 - 2) = 3.5.
    const coords = tf.tensor4d([0.5, 0.5, 0, 0.25, 0.75, 1], [1, 1, 3, 2]);
    const y = await expectNoLeak(() => resample(x, coords, 'linear'));
    expect(y.shape).toEqual([1, 1, 3, 1]);
    expectClose(await flat(y), [2.5, 1.25, 3.5], 1e-6);
    tf.dispose([x, coords, y]);
  });

  it('pads outside points as constant, edge or reflect', async () => {
    const x = make();
    // (0, -1): constant -> fill 0; edge -> x[0,0] = 1; reflect -> x[0,1] = 2.
    // (0, -0.5) linear, constant: 0.5 * fill(9) + 0.5 * 1 = 5 with fill 9.
    const coords = tf.tensor4d([0, -1, 0, -0.5], [1, 1, 2, 2]);
    const values = async (padding: 'constant' | 'edge' | 'reflect', fill = 0) => {
      const y = resample(x, coords, 'linear', padding, fill);
      const v = await flat(y);
      y.dispose();
      return v;
    };
    expectClose(await values('constant', 9), [9, 5], 1e-6);
    expectClose(await values('edge'), [1, 1], 1e-6);
    expectClose(await values('reflect'), [2, 1.5], 1e-6);
    tf.dispose([x, coords]);
  });

  it("pads 'symmetric' (border repeated) and agrees with borderIndex, the padding rule, at every distance", async () => {
    // One row [1, 2, 3]: numpy.pad(..., 'symmetric') reads index -1 -> 0, -2 -> 1, 3 -> 2, 4 -> 1, 7 -> 1.
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const columns = [-4, -3, -2, -1, 3, 4, 5, 6, 7];
    const coords = tf.tensor4d(columns.flatMap((c) => [0, c]), [1, 1, columns.length, 2]);
    for (const mode of BORDER_MODES.filter((m) => m !== 'constant')) {
      const y = resample(x, coords, 'nearest', mode);
      const expected = columns.map((c) => [1, 2, 3][borderIndex(c, 3, mode)]!);
      expect(await flat(y), mode).toEqual(expected);
      y.dispose();
    }
    const near = tf.tensor4d([0, -1, 0, -2, 0, 3, 0, 4], [1, 1, 4, 2]);
    const sym = resample(x, near, 'nearest', 'symmetric');
    expect(await flat(sym)).toEqual([1, 2, 3, 2]);
    tf.dispose([x, coords, near, sym]);
  });

  it('gathers nearest values keeping dtype, rounding half to even', async () => {
    const labels = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1], 'int32');
    // (0.4, 0.6) -> (0, 1) = 1; (1.5, 0.5) -> (2 -> outside, 0) = fill 0; (0.5, 1.2) -> (0, 1) = 1.
    const coords = tf.tensor4d([0.4, 0.6, 1.5, 0.5, 0.5, 1.2], [1, 1, 3, 2]);
    const y = resample(labels, coords, 'nearest');
    expect(y.dtype).toBe('int32');
    expect(await flat(y)).toEqual([1, 0, 1]);
    tf.dispose([labels, coords, y]);
  });

  it('returns the input bit for bit at integer coordinates (3D, batch of 2)', async () => {
    const x = rampImage([2, 3, 4, 5, 2]);
    const grid = centredGrid([3, 4, 5]);
    // centredGrid is axis-major [3, 60]; add the centres back and lay it out as [2, 3, 4, 5, 3].
    const coords = tf.tidy(() => tf.tile(tf.reshape(tf.transpose(tf.add(grid, tf.tensor2d([1, 1.5, 2], [3, 1]))), [1, 3, 4, 5, 3]), [2, 1, 1, 1, 1]));
    const y = resample(x, coords, 'linear');
    expect(await flat(y)).toEqual(await flat(x));
    tf.dispose([x, grid, coords, y]);
  });

  it('resizes with half-pixel centres like tf.image.resizeBilinear', async () => {
    const x = rampImage([1, 4, 6, 1]);
    const ours = await expectNoLeak(() => resizeSpatial(x, [7, 3], 'linear'));
    const reference = tf.image.resizeBilinear(x as tf.Tensor4D, [7, 3], false, true);
    expectClose(await flat(ours), await flat(reference), 1e-5);
    tf.dispose([x, ours, reference]);
  });

  it('resizes nearest like tf.image.resizeNearestNeighbor with half-pixel centres', async () => {
    const x = rampImage([1, 5, 8, 1]);
    const ours = resizeSpatial(x, [3, 4], 'nearest');
    const reference = tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 4], false, true);
    expect(await flat(ours)).toEqual(await flat(reference));
    tf.dispose([x, ours, reference]);
  });
});
