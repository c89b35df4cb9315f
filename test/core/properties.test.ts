// Property-based checks (fast-check) of the core helpers every error message and every random
// draw in the library goes through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../src/core/didYouMean.js';
import { formatValue } from '../../src/core/format.js';
import { createRng } from '../../src/core/rng.js';

describe('editDistance is a metric on strings (case-insensitive)', () => {
  const word = fc.string({ maxLength: 12 });
  it('is zero exactly on equal strings and symmetric', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a.toLowerCase() === b.toLowerCase());
      }),
    );
  });
  it('obeys the triangle inequality and is bounded by the longer length', () => {
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(editDistance(a, b)).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });
});

describe('closestMatch', () => {
  it('returns an option at the minimum distance, or nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), (value, options) => {
        const match = closestMatch(value, options);
        if (match === undefined) return;
        expect(options).toContain(match);
        const best = Math.min(...options.map((o) => editDistance(value, o)));
        expect(editDistance(value, match)).toBe(best);
      }),
    );
  });
  it('always finds an option when the value is one of them', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), fc.nat(), (options, pick) => {
        const value = options[pick % options.length]!;
        expect(editDistance(value, closestMatch(value, options)!)).toBe(0);
      }),
    );
  });
});

describe('formatValue', () => {
  it('never throws and stays short for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const text = formatValue(value);
        expect(typeof text).toBe('string');
        expect(text.length).toBeLessThanOrEqual(200);
      }),
    );
  });
});

describe('createRng', () => {
  it('repeats for a seed and keeps every draw in its range', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (seed, low, width) => {
        const a = createRng(seed);
        const b = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const u = a.uniform(low, low + width);
          expect(u).toBe(b.uniform(low, low + width));
          expect(u).toBeGreaterThanOrEqual(low);
          expect(u).toBeLessThanOrEqual(low + width);
          const k = a.integer(-3, 4);
          expect(k).toBe(b.integer(-3, 4));
          expect(Number.isInteger(k) && k >= -3 && k < 4).toBe(true);
          expect(a.normal()).toBe(b.normal());
        }
      }),
    );
  });
});
