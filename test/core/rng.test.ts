import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { UnetKitError } from '../../src/core/errors.js';

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

describe('createRng', () => {
  it('repeats its stream for equal seeds and differs for different (even adjacent) seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = draw(100, () => a.next());
    expect(draw(100, () => b.next())).toEqual(sa);
    const sc = draw(100, () => c.next());
    expect(sc.filter((v, i) => v === sa[i]).length).toBeLessThan(2);
    // splitmix seeding: the first draws of seeds 0..99 are spread, not clustered.
    const firsts = Array.from({ length: 100 }, (_, s) => createRng(s).next());
    expect(new Set(firsts).size).toBe(100);
    expect(Math.min(...firsts)).toBeLessThan(0.1);
    expect(Math.max(...firsts)).toBeGreaterThan(0.9);
  });

  it('draws uniform [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(1);
    const values = draw(20000, () => rng.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const { mean, variance } = moments(values);
    // standard error of the mean: sqrt(1/12 / 20000) = 0.002; allow 4 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.008);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });

  it('uniform(low, high) stays in [low, high) with mean (low + high) / 2', () => {
    const rng = createRng(2);
    const values = draw(20000, () => rng.uniform(-15, 15));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-15);
    expect(Math.max(...values)).toBeLessThan(15);
    const { mean, variance } = moments(values);
    // variance (30)^2 / 12 = 75; mean standard error sqrt(75/20000) = 0.061
    expect(Math.abs(mean)).toBeLessThan(0.25);
    expect(Math.abs(variance - 75) / 75).toBeLessThan(0.03);
  });

  it('integer(low, high) covers every value of [low, high) about equally, never high', () => {
    const rng = createRng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 12000; i++) {
      const v = rng.integer(-2, 4);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    // expected 2000 each; binomial sd sqrt(12000 * 1/6 * 5/6) = 41
    for (const count of counts.values()) expect(Math.abs(count - 2000)).toBeLessThan(170);
  });

  it('normal(mean, std) has the requested mean, std, zero skew and kurtosis 3', () => {
    const rng = createRng(4);
    const values = draw(20000, () => rng.normal(3, 2));
    const { mean, variance } = moments(values);
    expect(Math.abs(mean - 3)).toBeLessThan(0.06); // se 2 / sqrt(20000) = 0.014
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(0.06);
    const z = values.map((v) => (v - mean) / Math.sqrt(variance));
    const skew = z.reduce((a, b) => a + b ** 3, 0) / z.length;
    const kurtosis = z.reduce((a, b) => a + b ** 4, 0) / z.length;
    expect(Math.abs(skew)).toBeLessThan(0.1); // se sqrt(6/n) = 0.017
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.2); // se sqrt(24/n) = 0.035
    // about 68.3 % within one std
    const within = z.filter((v) => Math.abs(v) < 1).length / z.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.015);
  });

  it('bernoulli(p) is true with frequency p', () => {
    const rng = createRng(5);
    const hits = draw(20000, () => (rng.bernoulli(0.3) ? 1 : 0)).reduce((a, b) => a + b, 0);
    expect(Math.abs(hits / 20000 - 0.3)).toBeLessThan(0.013); // se 0.0032
    expect(rng.bernoulli(0)).toBe(false);
    expect(rng.bernoulli(1)).toBe(true);
  });

  it('seed() gives 31-bit integers, and fork() gives a repeatable independent child', () => {
    const rng = createRng(6);
    for (const s of draw(1000, () => rng.seed())) {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(2 ** 31);
    }
    const p1 = createRng(7);
    const p2 = createRng(7);
    const c1 = p1.fork();
    const c2 = p2.fork();
    const child = draw(20, () => c1.next());
    expect(draw(20, () => c2.next())).toEqual(child);
    // the parent's next draws are not the child's
    expect(draw(20, () => p1.next())).not.toEqual(child);
  });

  it('without a seed, two generators differ', () => {
    expect(draw(5, createRng().next)).not.toEqual(draw(5, createRng().next));
  });

  it('rejects non-finite seeds', () => {
    expect(() => createRng(NaN)).toThrow(UnetKitError);
    expect(() => createRng(Infinity)).toThrow(/createRng: seed is Infinity; expected a finite number\./);
  });

  it('getState / setState repeat the stream from a saved position, through JSON, spare normal included', () => {
    const rng = createRng(11);
    draw(7, () => rng.next());
    rng.normal(); // leaves the pair's second normal cached
    const saved = JSON.parse(JSON.stringify(rng.getState())) as ReturnType<typeof rng.getState>;
    expect(saved.spareNormal).not.toBeNull();
    const after = [rng.normal(), ...draw(50, () => rng.next()), rng.normal(), rng.integer(0, 1000)];
    // Another generator (other seed) moved to the saved position draws the same numbers, bit for bit.
    const other = createRng(999);
    other.setState(saved);
    expect([other.normal(), ...draw(50, () => other.next()), other.normal(), other.integer(0, 1000)]).toEqual(after);
    expect(Number.isInteger(saved.counter) && saved.counter >= 0 && saved.counter < 2 ** 32).toBe(true);
    // A fresh generator's state has no spare normal.
    expect(createRng(3).getState().spareNormal).toBeNull();
  });

  it('setState rejects what getState cannot have made', () => {
    const rng = createRng(1);
    for (const bad of [null, 5, {}, { counter: -1, spareNormal: null }, { counter: 2 ** 32, spareNormal: null }, { counter: 1.5, spareNormal: null }, { counter: 3, spareNormal: NaN }, { counter: 3 }]) {
      expect(() => rng.setState(bad as never)).toThrow(/rng\.setState: state is .*; expected an object from rng\.getState\(\)/);
    }
    // A refused state leaves the generator where it was.
    const before = createRng(1);
    expect(rng.next()).toBe(before.next());
  });
});
