import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { ctWindow } from '../../src/data/ctWindow.js';
import { histogramEqualize } from '../../src/data/histogramEqualize.js';
import { zScoreNormalize } from '../../src/data/normalize.js';
import { percentile, percentileClip } from '../../src/data/percentile.js';
import { resampleToSpacing } from '../../src/data/resampleToSpacing.js';
import { setFiniteChecks } from '../../src/ops/assertFinite.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const values = Array.from({ length: 32 }, (_, i) => ((i * 13) % 17) * 25 - 100);

// Each preprocessing step with its argument name, as a function of the image.
const steps: Array<[string, string, (x: tf.Tensor) => tf.Tensor]> = [
  ['zScoreNormalize', 'x', (x) => zScoreNormalize(x)],
  ['ctWindow', 'x', (x) => ctWindow(x, 'softTissue')],
  ['percentile', 'x', (x) => percentile(x, 90)],
  ['percentileClip', 'x', (x) => percentileClip(x, { lower: 10, upper: 90 })],
  ['histogramEqualize', 'x', (x) => histogramEqualize(x, { bins: 8 })],
  ['resampleToSpacing', 'x', (x) => resampleToSpacing(x, [1, 1], [0.5, 0.5])],
];

describeEachBackend('preprocessing refuses non-finite images', () => {
  afterEach(() => {
    setFiniteChecks('auto');
  });

  it.each(steps)('%s names %s for a NaN and an infinite voxel, leaks nothing, and is unchanged on finite input', async (name, argument, step) => {
    const bad = tf.tensor4d(values.map((v, i) => (i === 5 ? NaN : i === 9 ? -Infinity : v)), [2, 4, 4, 1]);
    await expectNoLeak(() => {
      expect(() => step(bad)).toThrow(`${name}: ${argument} holds 1 NaN and 1 infinite values (of 32); expected finite numbers.`);
    });
    const x = tf.tensor4d(values, [2, 4, 4, 1]);
    const checked = await expectNoLeak(() => step(x));
    setFiniteChecks(false);
    const unchecked = step(x);
    expect(Array.from(checked.dataSync())).toEqual(Array.from(unchecked.dataSync()));
    tf.dispose([bad, x, checked, unchecked]);
  });

  it('zScoreNormalize checks a float mask too', async () => {
    const x = tf.tensor4d(values, [2, 4, 4, 1]);
    const mask = tf.tensor4d(values.map((_, i) => (i === 0 ? NaN : 1)), [2, 4, 4, 1]);
    await expectNoLeak(() => {
      expect(() => zScoreNormalize(x, { mask })).toThrow('zScoreNormalize: options.mask holds 1 NaN value (of 32); expected finite numbers.');
    });
    tf.dispose([x, mask]);
  });
});
