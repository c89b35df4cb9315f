import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { elasticDeform, elasticDisplacement } from '../../src/augment/elasticDeform.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { blobImage, flat, labelsOf, rampImage } from './helpers.js';

describeEachBackend('elasticDeform', () => {
  it('with alpha 0 returns the input bit for bit', async () => {
    const image = rampImage([2, 8, 8, 1]);
    const out = await expectNoLeak(() => elasticDeform().apply({ image }, { alpha: [0, 0], sigma: 3, noiseSeed: 1 }));
    expect(await flat(out.image)).toEqual(await flat(image));
    tf.dispose([image, out.image]);
  });

  it('makes a smooth field whose size scales with alpha', async () => {
    const field1 = elasticDisplacement([1, 16, 16, 1], { alpha: [10], sigma: 3, noiseSeed: 2 });
    const field2 = elasticDisplacement([1, 16, 16, 1], { alpha: [20], sigma: 3, noiseSeed: 2 });
    expect(field1.shape).toEqual([1, 16, 16, 2]);
    const [a, b] = [await flat(field1), await flat(field2)];
    a.forEach((v, i) => expect(Math.abs(2 * v - b[i]!)).toBeLessThan(1e-4));
    // Smooth: neighbouring displacements differ far less than the field's spread.
    const spread = Math.max(...a) - Math.min(...a);
    let worst = 0;
    for (let i = 0; i + 2 < a.length; i += 2) if ((i / 2 + 1) % 16 !== 0) worst = Math.max(worst, Math.abs(a[i]! - a[i + 2]!));
    expect(spread).toBeGreaterThan(0);
    expect(worst).toBeLessThan(spread / 3);
    tf.dispose([field1, field2]);
  });

  it('moves mask and image together and keeps label values (2D and 3D)', async () => {
    for (const spatial of [[24, 24], [10, 10, 10]]) {
      const image = blobImage(2, spatial);
      const mask = tf.cast(tf.greater(image, 0.5), 'int32');
      const out = elasticDeform({ alpha: [300, 400], sigma: 3, seed: 4 })({ image, mask });
      const values = await flat(out.image);
      const moved = await flat(out.mask!);
      expect(new Set(moved).size).toBeLessThanOrEqual(2);
      moved.forEach((m) => expect(m === 0 || m === 1).toBe(true));
      let compared = 0;
      moved.forEach((m, i) => {
        if (Math.abs(values[i]! - 0.5) > 0.1) {
          expect(m).toBe(values[i]! > 0.5 ? 1 : 0);
          compared++;
        }
      });
      expect(compared).toBeGreaterThan(values.length / 2);
      expect(await flat(out.image)).not.toEqual(await flat(image));
      tf.dispose([image, mask, out.image, out.mask!]);
    }
  });

  it('is seedable and draws in range', async () => {
    const image = rampImage([1, 8, 8, 1]);
    const mask = labelsOf(image);
    const t = elasticDeform({ alpha: [50, 60], sigma: [2, 3] });
    const a = t({ image, mask }, 1);
    const b = t({ image, mask }, 1);
    const c = t({ image, mask }, 2);
    expect(await flat(a.image)).toEqual(await flat(b.image));
    expect(await flat(a.image)).not.toEqual(await flat(c.image));
    const p = t.draw(createRng(3), 50, { image });
    p.alpha.forEach((v) => expect(v >= 50 && v <= 60).toBe(true));
    expect(p.sigma >= 2 && p.sigma <= 3).toBe(true);
    tf.dispose([image, mask, a.image, a.mask!, b.image, b.mask!, c.image, c.mask!]);
  });

  it('rejects bad options', () => {
    expect(() => elasticDeform({ sigma: 0 })).toThrow(/elasticDeform: options.sigma is 0; expected a finite number > 0/);
    expect(() => elasticDeform({ alpha: -1 })).toThrow(/options.alpha is -1/);
    expect(() => elasticDeform({ padding: 'wrap' as never })).toThrow(/expected one of 'constant', 'edge', 'reflect'/);
  });
});
