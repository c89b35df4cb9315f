import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { gaussianDownsample } from '../../src/layers/gaussianDownsample.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectExactRoundTrips, randomTensor } from './layerChecks.js';

/** Burt & Adelson REDUCE along one axis with a symmetric border, in float64. */
function reduce1d(row: number[]): number[] {
  const taps = [1, 4, 6, 4, 1].map((t) => t / 16);
  const at = (i: number) => row[i < 0 ? -i - 1 : i >= row.length ? 2 * row.length - i - 1 : i]!;
  return Array.from({ length: Math.ceil(row.length / 2) }, (_, k) => taps.reduce((s, t, j) => s + t * at(2 * k + j - 2), 0));
}

describeEachBackend('GaussianDownsample', () => {
  it('equals the binomial REDUCE of Burt & Adelson along each axis (2D, hand reference) and keeps constants', async () => {
    const rows = [
      [1, 2, 3, 4, 5, 6],
      [0, 0, 8, 0, 0, 0],
      [2, 2, 2, 2, 2, 2],
      [5, 1, 4, 1, 5, 9],
    ];
    const x = tf.tensor4d(rows.flat(), [1, 4, 6, 1]);
    const y = (await expectNoLeakRead(() => gaussianDownsample().apply(x) as tf.Tensor)) as number[][][][];
    // Separable: reduce the rows, then the columns.
    const byRow = rows.map(reduce1d);
    const expected = byRow[0]!.map((_, c) => reduce1d(byRow.map((r) => r[c]!)));
    expectClose(y[0]!.map((r) => r.map((v) => v[0]!)), expected[0]!.map((_, rIdx) => expected.map((col) => col[rIdx]!)), 1e-5);
    const constant = tf.fill([1, 4, 4, 4, 2], 3);
    expectClose(await expectNoLeakRead(() => gaussianDownsample().apply(constant) as tf.Tensor), tf.fill([1, 2, 2, 2, 2], 3).arraySync(), 1e-5);
    tf.dispose([x, constant]);
  });

  it('halves every spatial axis (rounding up) at any rank and saves and loads exactly', async () => {
    expect(gaussianDownsample().computeOutputShape([null, 5, 8, null, 3])).toEqual([null, 3, 4, null, 3]);
    const input = tfl.input({ shape: [8, 8, 8, 2] });
    const model = tfl.model({ inputs: input, outputs: gaussianDownsample({ name: 'g' }).apply(input) as tfl.SymbolicTensor });
    expect(model.outputs[0]!.shape).toEqual([null, 4, 4, 4, 2]);
    const x = randomTensor([1, 8, 8, 8, 2], 3);
    await expectExactRoundTrips(model, x);
    x.dispose();
    model.dispose();
  });
});

describe('GaussianDownsample arguments', () => {
  it('rejects an input without spatial axes or channels', () => {
    expect(() => gaussianDownsample().apply(tfl.input({ shape: [4] }))).toThrow(/GaussianDownsample: input shape/);
  });
});
