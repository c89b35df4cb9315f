import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resampleToSpacing, spacingShape } from '../../src/data/resampleToSpacing.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describe('spacingShape', () => {
  it('rounds size * spacing / newSpacing', () => {
    // 62 * 3 / 1 = 186; 128 * 2 / 1.5 = 170.67 -> 171.
    expect(spacingShape([128, 128, 62], [2, 2, 3], [1, 1, 1])).toEqual([256, 256, 186]);
    expect(spacingShape([128], [2], [1.5])).toEqual([171]);
    expect(() => spacingShape([4], [0], [1])).toThrow(/spacingShape: spacing is \[0\]/);
  });
});

describeEachBackend('resampleToSpacing', () => {
  it('halves the spacing of a linear ramp with half-pixel centres (3D)', async () => {
    // Along W: [0, 2, 4] at spacing 2 -> 6 samples at spacing 1, coordinates (j + 0.5) / 2 - 0.5:
    // -0.25, 0.25, 0.75, 1.25, 1.75, 2.25 -> clamped linear: 0, 0.5, 1.5, 2.5, 3.5, 4.
    const x = tf.tensor5d([0, 2, 4], [1, 1, 1, 3, 1]);
    const y = await expectNoLeak(() => resampleToSpacing(x, [1, 1, 2], [1, 1, 1]));
    expect(y.shape).toEqual([1, 1, 1, 6, 1]);
    expectClose(Array.from(await y.data()), [0, 0.5, 1.5, 2.5, 3.5, 4], 1e-6);
    const labels = tf.tensor5d([0, 1, 2], [1, 1, 1, 3, 1], 'int32');
    const nearest = resampleToSpacing(labels, [1, 1, 2], [1, 1, 1], { interpolation: 'nearest' });
    expect(Array.from(await nearest.data())).toEqual([0, 0, 1, 1, 2, 2]);
    expect(() => resampleToSpacing(x, [1, 2], [1, 1])).toThrow(/resampleToSpacing: spacing is \[1, 2\]; expected an array of 3 numbers/);
    tf.dispose([x, y, labels, nearest]);
  });
});
