import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { unetWeightMap } from '../../src/metrics/unetWeightMap.js';
import type { UnetWeightMapOptions } from '../../src/metrics/unetWeightMap.js';
import { expectClose } from '../helpers/numeric.js';

function weights(labels: number[], shape: number[], options?: UnetWeightMapOptions): number[] {
  const t = tf.tensor(labels, shape, 'int32');
  const before = tf.memory().numTensors;
  const out = unetWeightMap(t, options);
  const values = Array.from(out.dataSync());
  out.dispose();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  t.dispose();
  return values;
}

const sep = (sum: number, w0 = 10, sigma = 5) => w0 * Math.exp(-(sum * sum) / (2 * sigma * sigma));

describeEachBackend('unetWeightMap (Ronneberger et al. 2015, eq. 2)', () => {
  it('two objects at the ends of a row: d1 + d2 = 6 in the whole gap', () => {
    // 7 pixels, objects at 0 and 6: V = 7, n_bg = 5, n_fg = 2 -> w_c = 7 / 10 and 7 / 4
    const expected = [1.75, ...new Array<number>(5).fill(0.7 + sep(6)), 1.75];
    expectClose(weights([1, 0, 0, 0, 0, 0, 2], [1, 7]), expected, 1e-5);
    // everywhere: an object pixel has d1 = 0 and d2 = 6 as well
    expectClose(weights([1, 0, 0, 0, 0, 0, 2], [1, 7], { backgroundOnly: false }), expected.map(() => 0).map((_, i) => (i === 0 || i === 6 ? 1.75 : 0.7) + sep(6)), 1e-5);
  });

  it('three objects: the second-nearest object decides d2', () => {
    // objects 1 @ 0, 2 @ 2, 3 @ 6; gap pixels 1 (d 1, 1), 3 (1, 3), 4 (2, 2), 5 (1, 3)
    const w = weights([1, 0, 2, 0, 0, 0, 3], [1, 7], { classWeights: [1, 2] });
    expectClose(w, [2, 1 + sep(2), 2, 1 + sep(4), 1 + sep(4), 1 + sep(4), 2], 1e-5);
  });

  it('w0, sigma and spacing enter as written; one object or none adds nothing', () => {
    const w = weights([1, 0, 0, 2], [1, 4], { w0: 3, sigma: 2, classWeights: [0, 0], spacing: [1, 0.5] });
    // in units: objects at 0 and 1.5; pixel 1 (0.5, 1), pixel 2 (1, 0.5) -> d1 + d2 = 1.5
    expectClose(w, [0, sep(1.5, 3, 2), sep(1.5, 3, 2), 0], 1e-5);
    expectClose(weights([0, 1, 1, 0], [2, 2]), [1, 1, 1, 1], 1e-6);
    expectClose(weights([0, 0, 0, 0], [2, 2]), [1, 1, 1, 1], 1e-6);
    // 3D: two objects at the ends of a 1 x 1 x 3 volume -> gap d1 + d2 = 2
    expectClose(weights([1, 0, 2], [1, 1, 3], { classWeights: [1, 1] }), [1, 1 + sep(2), 1], 1e-5);
  });

  it('rejects bad input', () => {
    const t = tf.tensor2d([[0, 1]], undefined, 'int32');
    expect(() => unetWeightMap(t, { sigma: 0 })).toThrow(/unetWeightMap: options.sigma is 0; expected a finite number > 0/);
    expect(() => unetWeightMap(t, { classWeights: [1] as never })).toThrow(/options.classWeights is \[1\]/);
    expect(() => unetWeightMap(tf.tensor1d([0, 1]))).toThrow(/unetWeightMap: labels has shape \[2\]/);
    expect(() => unetWeightMap(tf.tensor2d([[0, -1]]))).toThrow(/integers >= 0/);
    t.dispose();
  });
});
