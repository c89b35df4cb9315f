import { describe, expect, it } from 'vitest';
import { permutation, sampleBeta, sampleGamma } from '../../src/augment/random.js';
import { createRng } from '../../src/core/rng.js';

describe('random draws', () => {
  it('gamma and beta have the right means', () => {
    const rng = createRng(1);
    const n = 4000;
    // Gamma(k) mean k; Beta(a, b) mean a / (a + b): 0.4 / (0.4 + 0.4) = 0.5, 2 / (2 + 6) = 0.25.
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean(() => sampleGamma(rng, 3)) - 3)).toBeLessThan(0.15);
    expect(Math.abs(mean(() => sampleGamma(rng, 0.5)) - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(mean(() => sampleBeta(rng, 0.4, 0.4)) - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(mean(() => sampleBeta(rng, 2, 6)) - 0.25)).toBeLessThan(0.02);
    for (let i = 0; i < 200; i++) {
      const b = sampleBeta(rng, 0.2, 0.2);
      expect(b >= 0 && b <= 1).toBe(true);
    }
  });

  it('permutation is a permutation and repeats with the seed', () => {
    const p = permutation(createRng(3), 10);
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(permutation(createRng(3), 10)).toEqual(p);
  });
});
