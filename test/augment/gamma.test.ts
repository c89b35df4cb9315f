import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gamma } from '../../src/augment/gamma.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat } from './helpers.js';

describeEachBackend('gamma', () => {
  const values = [0, 1, 2, 4];
  it('applies ((x - min) / range)^g * range + min without retaining stats', async () => {
    const image = tf.tensor4d(values, [1, 2, 2, 1]);
    const out = await expectNoLeak(() => gamma({ retainStats: false }).apply({ image }, { gamma: [2] }));
    // range 4: (x / 4)^2 * 4 = x^2 / 4: [0, 0.25, 1, 4].
    expectClose(await flat(out.image), [0, 0.25, 1, 4], 1e-5);
    // Inverted: on -x = [0, -1, -2, -4]: min -4, ((-x + 4) / 4)^2 * 4 - 4, negated back:
    // x = 0: (1)^2 * 4 - 4 = 0 -> 0; x = 1: (0.75)^2 * 4 - 4 = -1.75 -> 1.75; x = 2: 0.25*4-4 = -3 -> 3; x = 4: -4 -> 4.
    const inv = gamma({ retainStats: false, invert: true }).apply({ image }, { gamma: [2] });
    expectClose(await flat(inv.image), [0, 1.75, 3, 4], 1e-5);
    tf.dispose([image, out.image, inv.image]);
  });

  it('retains mean and std by default', async () => {
    const image = tf.tensor4d(values, [1, 2, 2, 1]);
    const out = gamma().apply({ image }, { gamma: [0.5] });
    const v = await flat(out.image);
    const mean = v.reduce((a, b) => a + b, 0) / 4;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    // Input mean 7/4, std sqrt(((1.75)^2 + 0.75^2 + 0.25^2 + 2.25^2) / 4) = sqrt(2.1875).
    expectClose(mean, 1.75, 1e-5);
    expectClose(std, Math.sqrt(2.1875), 1e-5);
    tf.dispose([image, out.image]);
  });

  it('draws half the gammas below 1 and half above, inside the range', () => {
    const image = tf.zeros([1, 2, 2, 1]);
    const g = gamma({ range: [0.7, 1.5] }).draw(createRng(5), 400, { image }).gamma;
    g.forEach((v) => expect(v >= 0.7 && v <= 1.5).toBe(true));
    const below = g.filter((v) => v < 1).length;
    expect(below).toBeGreaterThan(160);
    expect(below).toBeLessThan(240);
    expect(() => gamma({ range: [0, 1] })).toThrow(/gamma: options.range\[0\] is 0; expected a finite number > 0/);
    image.dispose();
  });
});
