import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { importanceMap } from '../../src/inference/importanceMap.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('importanceMap', () => {
  it('is a gaussian with sigma = 0.125 * roi centred at (n - 1) / 2', async () => {
    const map = await expectNoLeak(() => importanceMap([17, 33]));
    const w = (await map.array()) as number[][];
    map.dispose();
    // Odd sizes: the centre (8, 16) has x = 0 on both axes, weight exp(0) = 1.
    expectClose(w[8]![16], 1, 1e-6);
    // sigma along axis 1 = 0.125 * 33 = 4.125; one sigma from the centre: exp(-1/2) = 0.60653.
    // Column 16 + 4 (4 px) gives exp(-16 / (2 * 4.125^2)) = exp(-0.47016) = 0.62491.
    expectClose(w[8]![20], Math.exp(-16 / (2 * 4.125 ** 2)), 1e-6);
    // sigma along axis 0 = 0.125 * 17 = 2.125; row 8 + 2: exp(-4 / (2 * 2.125^2)) = exp(-0.44291) = 0.64218.
    expectClose(w[10]![16], Math.exp(-4 / (2 * 2.125 ** 2)), 1e-6);
    // separable: w(y, x) = g(y) * g(x).
    expectClose(w[10]![20], Math.exp(-4 / (2 * 2.125 ** 2)) * Math.exp(-16 / (2 * 4.125 ** 2)), 1e-6);
  });

  it('recovers sigma from the profile (log ratio)', async () => {
    const map = importanceMap([64]);
    const w = Array.from(await map.data());
    map.dispose();
    // Even size: centre at 31.5; x = i - 31.5; ln w(i) = -x^2 / (2 sigma^2) -> sigma^2 = -x^2 / (2 ln w).
    const i = 40;
    const x = i - 31.5;
    const sigma = Math.sqrt(-(x * x) / (2 * Math.log(w[i]!)));
    expectClose(sigma, 0.125 * 64, 1e-4);
    // symmetric about the centre.
    expectClose(w[0], w[63], 1e-7);
  });

  it('clamps its minimum to 1e-3 (positive) where the gaussian tails underflow', async () => {
    // roi 64: the corner of a 3D map is exp(-31.5^2 / (2 * 8^2))^3 = exp(-7.75)^3 = 5.6e-11 < 1e-3.
    const map = importanceMap([64, 64, 64]);
    const min = (await tf.min(map).data())[0]!;
    const corner = (await tf.slice(map, [0, 0, 0], [1, 1, 1]).data())[0]!;
    map.dispose();
    expectClose(min, 1e-3, 1e-6);
    expectClose(corner, 1e-3, 1e-6);
    expect(min).toBeGreaterThan(0);
  });

  it('honours sigmaScale and minWeight, and constant is all ones', async () => {
    const g = importanceMap([9], { sigmaScale: 0.25, minWeight: 0.5 });
    const v = Array.from(await g.data());
    g.dispose();
    // sigma = 2.25; x = -4 at i = 0: exp(-16 / 10.125) = 0.2060 < 0.5 -> clamped to 0.5.
    expectClose(v[0], 0.5, 1e-6);
    // x = -1 at i = 3: exp(-1 / 10.125) = 0.90595.
    expectClose(v[3], Math.exp(-1 / 10.125), 1e-6);
    const c = importanceMap([3, 4], { blend: 'constant' });
    expect(Array.from(await c.data())).toEqual(new Array(12).fill(1));
    expect(c.shape).toEqual([3, 4]);
    c.dispose();
  });

  it('rejects bad options with did-you-mean', () => {
    expect(() => importanceMap([8, 8], { blend: 'gausian' as never })).toThrow(/importanceMap: options.blend is 'gausian'.*Did you mean 'gaussian'/);
    expect(() => importanceMap([8, 0])).toThrow(/roiSize/);
    expect(() => importanceMap([8], { sigmaScale: 0 })).toThrow(/sigmaScale/);
    expect(() => importanceMap([8], { sigma: 1 } as never)).toThrow(/options.sigma is not a known option.*sigmaScale/);
  });
});
