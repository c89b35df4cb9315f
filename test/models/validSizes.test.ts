import { describe, expect, it } from 'vitest';
import { unetMargin, unetOutputSize, validUNetSizes } from '../../src/models/validSizes.js';

/**
 * Walks a valid-padding U-Net by hand, one level at a time: c unpadded 3x3 convs remove 2c, a
 * 2x2 pool needs an even size and halves it, a 2x2 up-conv doubles. Returns the output size, or
 * undefined where some level's size is odd before pooling or not positive.
 */
function walk(size: number, depth: number, c: number): number | undefined {
  let s = size;
  for (let level = 0; level < depth; level++) {
    s -= 2 * c;
    if (s < 2 || s % 2 !== 0) return undefined;
    s /= 2;
  }
  s -= 2 * c;
  if (s < 1) return undefined;
  for (let level = 0; level < depth; level++) {
    s = 2 * s - 2 * c;
    if (s < 1) return undefined;
  }
  return s;
}

describe('valid-padding U-Net geometry', () => {
  it('the 2015 paper: 572 in, 388 out, 92 mirrored pixels per side', () => {
    expect(unetOutputSize(572, 4)).toBe(388);
    expect(unetMargin(4)).toBe(92);
    expect(validUNetSizes(572, 4)).toEqual([572]);
    // 570 fails: 570 - 4 = 566, 283 after the first pool, 279 is odd before the second.
    expect(validUNetSizes(570, 4)).toEqual([556, 572]);
    expect(unetOutputSize(556, 4)).toBe(372);
  });

  it('agrees with a level-by-level walk for every size up to eight valid ones (depths 1-4, 1-3 convs per level)', () => {
    for (let depth = 1; depth <= 4; depth++) {
      for (let c = 1; c <= 3; c++) {
        const valid: number[] = [];
        // Collected, then compared once: thousands of expect() calls would slow the suite.
        const mismatches: string[] = [];
        // Up to eight valid sizes past the smallest one (about 2m).
        const limit = 2 * unetMargin(depth, c) + 8 * 2 ** depth;
        for (let size = 1; size <= limit; size++) {
          const out = walk(size, depth, c);
          let got: number | string;
          try {
            got = unetOutputSize(size, depth, c);
          } catch (error) {
            got = /nearest valid/.test(String(error)) ? 'invalid' : String(error);
          }
          if (got !== (out ?? 'invalid')) mismatches.push(`${size}: ${got} instead of ${out ?? 'invalid'}`);
          if (out !== undefined) valid.push(size);
        }
        expect(mismatches, `depth ${depth}, c ${c}`).toEqual([]);
        expect(valid.map((v) => v - unetOutputSize(v, depth, c))).toEqual(valid.map(() => 2 * unetMargin(depth, c)));
        // Nearest valid sizes: the valid one at or below and at or above.
        for (let size = valid[0]!; size <= valid[valid.length - 2]!; size++) {
          const below = valid.filter((v) => v <= size).at(-1)!;
          const above = valid.find((v) => v >= size)!;
          const got = validUNetSizes(size, depth, c);
          const expected = below === above ? [size] : [below, above];
          if (got.join() !== expected.join()) mismatches.push(`nearest to ${size}: ${got.join()} instead of ${expected.join()}`);
        }
        expect(mismatches, `depth ${depth}, c ${c}`).toEqual([]);
        expect(validUNetSizes(1, depth, c)).toEqual([valid[0]]);
        // Consecutive valid sizes are 2^depth apart.
        expect(valid.slice(1).map((v, i) => v - valid[i]!)).toEqual(valid.slice(1).map(() => 2 ** depth));
      }
    }
  });

  it('names the nearest valid sizes and their outputs, and rejects bad arguments', () => {
    expect(() => unetOutputSize(570, 4)).toThrow(
      "unetOutputSize: inputSize is 570; with padding 'valid', 4 poolings and 2 unpadded 3x3 convs per level, every level's size must be even before its pooling and the output positive; nearest valid: 556 or 572 (output 372 or 388; see validUNetSizes and unetOutputSize).",
    );
    expect(() => validUNetSizes(0, 4)).toThrow(/validUNetSizes: inputSize is 0/);
    expect(() => validUNetSizes(64, 0)).toThrow(/validUNetSizes: depth is 0/);
    expect(() => unetMargin(2, 1.5)).toThrow(/unetMargin: convsPerLevel is 1.5/);
  });
});
