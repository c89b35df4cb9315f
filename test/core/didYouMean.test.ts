import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../src/core/didYouMean.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions (Levenshtein), case-insensitively', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3); // k->s, e->i, +g
    expect(editDistance('bach', 'batch')).toBe(1); // +t
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('ReLU', 'relu')).toBe(0);
    expect(editDistance('wsam', 'wasm')).toBe(2); // two substitutions (no transposition move)
  });

  it('is symmetric', () => {
    for (const [a, b] of [['instance', 'instnce'], ['group', 'layer'], ['x', 'xyz']] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('closestMatch', () => {
  it('suggests the nearest option', () => {
    expect(closestMatch('bach', ['batch', 'instance', 'group'])).toBe('batch');
    expect(closestMatch('instnce', ['batch', 'instance', 'group'])).toBe('instance');
    expect(closestMatch('leakyrelu', ['relu', 'leakyRelu'])).toBe('leakyRelu');
  });

  it('suggests nothing when no option is close (limit: max(2, a third of the longer string))', () => {
    expect(closestMatch('softplus', ['batch', 'instance', 'group'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
    // 'abcdefghi' vs 'abcxyzghi': distance 3 <= floor(9 / 3) = 3 -> suggested; one more edit is not.
    expect(closestMatch('abcdefghi', ['abcxyzghi'])).toBe('abcxyzghi');
    expect(closestMatch('abcdefghi', ['abwxyzghi'])).toBeUndefined();
  });
});
