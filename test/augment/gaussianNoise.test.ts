import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gaussianNoise } from '../../src/augment/gaussianNoise.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat, labelsOf, rampImage } from './helpers.js';

describeEachBackend('gaussianNoise', () => {
  it('adds zero-mean noise of the drawn std per sample, mask untouched', async () => {
    const image = tf.zeros([2, 32, 32, 1]);
    const mask = labelsOf(rampImage([2, 32, 32, 1]));
    const out = await expectNoLeak(() => gaussianNoise().apply({ image, mask }, { std: [0.01, 0.5], noiseSeed: 3 }));
    const v = await flat(out.image);
    const stats = (a: number[]) => {
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      return [m, Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length)];
    };
    const [m0, s0] = stats(v.slice(0, 1024));
    const [m1, s1] = stats(v.slice(1024));
    // 1024 samples: std within ~5%, mean within 4 standard errors.
    expect(Math.abs(s0! - 0.01)).toBeLessThan(0.001);
    expect(Math.abs(s1! - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(m0!)).toBeLessThan(4 * 0.01 / 32);
    expect(Math.abs(m1!)).toBeLessThan(4 * 0.5 / 32);
    expect(await flat(out.mask!)).toEqual(await flat(mask));
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('same seed same noise, different seeds differ; std drawn in range', async () => {
    const image = tf.zeros([1, 8, 8, 8, 1]);
    const t = gaussianNoise({ std: [0, 0.1] });
    const [a, b, c] = [t({ image }, 1), t({ image }, 1), t({ image }, 2)];
    expect(await flat(a.image)).toEqual(await flat(b.image));
    expect(await flat(a.image)).not.toEqual(await flat(c.image));
    t.draw(createRng(0), 100, { image }).std.forEach((s) => expect(s >= 0 && s <= 0.1).toBe(true));
    expect(() => gaussianNoise({ std: -1 })).toThrow(/gaussianNoise: options.std is -1/);
    tf.dispose([image, a.image, b.image, c.image]);
  });
});
