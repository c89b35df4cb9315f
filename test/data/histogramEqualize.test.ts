import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { histogramEqualize } from '../../src/data/histogramEqualize.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('histogramEqualize', () => {
  it('maps each voxel to the CDF of its bin', async () => {
    // [0, 0, 1, 10] with 10 bins over [0, 10]: bins 0, 0, 1, 9 (10 clamps to the last bin).
    // CDF: bin 0 -> 2/4, bin 1 -> 3/4, bin 9 -> 4/4.
    const x = tf.tensor4d([0, 0, 1, 10], [1, 2, 2, 1]);
    const y = await expectNoLeak(() => histogramEqualize(x, { bins: 10 }));
    expectClose(Array.from(await y.data()), [0.5, 0.5, 0.75, 1], 1e-6);
    tf.dispose([x, y]);
  });

  it('gives a roughly uniform histogram on skewed data, per channel (3D)', async () => {
    const values = Array.from({ length: 512 }, (_, i) => Math.exp((i % 97) / 20) + (i % 3));
    const x = tf.tensor5d(values, [1, 8, 8, 8, 1]);
    const y = histogramEqualize(x, { bins: 1000 });
    const out = Array.from(await y.data());
    const belowHalf = out.filter((v) => v <= 0.5).length / out.length;
    expect(belowHalf).toBeGreaterThan(0.45);
    expect(belowHalf).toBeLessThan(0.55);
    expect(() => histogramEqualize(x, { bins: 1 })).toThrow(/histogramEqualize: options.bins is 1; expected an integer >= 2/);
    tf.dispose([x, y]);
  });
});
