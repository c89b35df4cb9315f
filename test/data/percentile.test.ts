import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { percentile, percentileClip } from '../../src/data/percentile.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('percentile / percentileClip', () => {
  // Values 1..10 shuffled, one sample and channel (numpy: np.percentile(range(1, 11), q)).
  const values = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4];
  it('matches numpy linear interpolation', async () => {
    const x = tf.tensor4d(values, [1, 2, 5, 1]);
    const q = async (p: number) => {
      const t = percentile(x, p);
      const v = (await t.data())[0];
      t.dispose();
      return v;
    };
    // position q / 100 * 9: 0.5 -> 0.045 -> 1.045; 25 -> 2.25 -> 3.25; 50 -> 4.5 -> 5.5; 99.5 -> 8.955 -> 9.955.
    expectClose(await q(0.5), 1.045, 1e-5);
    expectClose(await q(25), 3.25, 1e-6);
    expectClose(await q(50), 5.5, 1e-6);
    expectClose(await q(99.5), 9.955, 1e-6);
    expectClose(await q(100), 10, 1e-6);
    expectClose(await q(0), 1, 1e-6);
    x.dispose();
  });

  it('clips per sample and channel', async () => {
    // Channel 1 is channel 0 times 10.
    const x = tf.tensor4d(values.flatMap((v) => [v, 10 * v]), [1, 2, 5, 2]);
    const y = await expectNoLeak(() => percentileClip(x, { lower: 25, upper: 50 }));
    const got = Array.from(await y.data());
    values.forEach((v, i) => {
      expectClose(got[2 * i], Math.min(Math.max(v, 3.25), 5.5), 1e-5);
      expectClose(got[2 * i + 1], Math.min(Math.max(10 * v, 32.5), 55), 1e-5);
    });
    expect(() => percentileClip(x, { lower: 60, upper: 40 })).toThrow(/percentileClip: options.lower is 60; expected at most options.upper \(40\)/);
    expect(() => percentile(x, 101)).toThrow(/percentile: q is 101/);
    tf.dispose([x, y]);
  });
});
