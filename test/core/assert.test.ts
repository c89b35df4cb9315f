import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import * as tf from '@tensorflow/tfjs-core';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOneOf,
  assertOptionsObject,
  assertProbability,
  assertRank,
  assertSameShape,
  assertSpatialDims,
  fail,
} from '../../src/core/assert.js';
import { UnetKitError } from '../../src/core/errors.js';

// Shape and config checks: one backend is enough.
beforeAll(async () => {
  await useBackend('cpu');
});

/** Runs `fn`, expects a UnetKitError, returns it. */
function caught(fn: () => void): UnetKitError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UnetKitError);
    return error as UnetKitError;
  }
  throw new Error('expected a UnetKitError, nothing was thrown');
}

describe('fail', () => {
  it('names function, argument, value and what is expected', () => {
    const error = caught(() => fail('unet', 'options.depth', -1, 'an integer >= 1'));
    expect(error.message).toBe('unet: options.depth is -1; expected an integer >= 1.');
    expect(error.functionName).toBe('unet');
    expect(error.argument).toBe('options.depth');
  });
});

describe('assertOneOf', () => {
  it('accepts an option and rejects others listing every option plus a suggestion', () => {
    expect(() => assertOneOf('unet', 'options.norm', 'batch', ['batch', 'instance'])).not.toThrow();
    expect(caught(() => assertOneOf('unet', 'options.norm', 'bach', ['batch', 'instance'])).message).toBe(
      "unet: options.norm is 'bach'; expected one of 'batch', 'instance'. Did you mean 'batch'?",
    );
  });

  it('omits the suggestion when nothing is close or the value is not a string', () => {
    expect(caught(() => assertOneOf('f', 'mode', 'zzzzzz', ['batch', 'instance'])).message).toBe(
      "f: mode is 'zzzzzz'; expected one of 'batch', 'instance'.",
    );
    expect(caught(() => assertOneOf('f', 'dims', 4, [2, 3])).message).toBe('f: dims is 4; expected one of 2, 3.');
  });
});

describe('assertNumber / assertInteger / assertProbability', () => {
  it('accepts values in range, inclusive and exclusive ends', () => {
    expect(() => assertNumber('f', 'x', 0, { min: 0, max: 1 })).not.toThrow();
    expect(() => assertNumber('f', 'x', 1, { min: 0, max: 1 })).not.toThrow();
    expect(() => assertInteger('f', 'n', 4, { min: 1 })).not.toThrow();
    expect(() => assertProbability('f', 'p', 0.25)).not.toThrow();
  });

  it('describes the valid range in the message', () => {
    expect(caught(() => assertNumber('f', 'x', 0, { min: 0, minExclusive: true })).message).toBe(
      'f: x is 0; expected a finite number > 0.',
    );
    expect(caught(() => assertNumber('f', 'x', 1, { max: 1, maxExclusive: true })).message).toBe(
      'f: x is 1; expected a finite number < 1.',
    );
    expect(caught(() => assertInteger('f', 'n', 2.5, { min: 1, max: 4 })).message).toBe(
      'f: n is 2.5; expected an integer >= 1 and <= 4.',
    );
    expect(caught(() => assertProbability('f', 'p', 1.5)).message).toBe('f: p is 1.5; expected a finite number >= 0 and <= 1.');
    expect(caught(() => assertNumber('f', 'x', 'seven')).message).toBe("f: x is 'seven'; expected a finite number.");
  });

  it('rejects NaN and infinities (no silent NaN downstream)', () => {
    expect(caught(() => assertNumber('f', 'x', NaN)).message).toContain('is NaN');
    expect(caught(() => assertNumber('f', 'x', Infinity)).message).toContain('is Infinity');
  });
});

describe('assertBoolean', () => {
  it('accepts booleans only', () => {
    expect(() => assertBoolean('f', 'flag', false)).not.toThrow();
    expect(caught(() => assertBoolean('f', 'flag', 'true')).message).toBe("f: flag is 'true'; expected true or false.");
  });
});

describe('assertNumberArray', () => {
  it('accepts arrays of valid numbers with the right length', () => {
    expect(() => assertNumberArray('f', 'size', [1, 2, 3], { min: 1, integer: true }, 3)).not.toThrow();
    expect(() => assertNumberArray('f', 'w', [0.5])).not.toThrow();
  });

  it('rejects empty arrays, wrong lengths and points at the bad item', () => {
    expect(caught(() => assertNumberArray('f', 'w', [])).message).toBe(
      'f: w is []; expected a non-empty array of numbers, each a finite number.',
    );
    expect(caught(() => assertNumberArray('f', 'size', [2, 2], { min: 1, integer: true }, 3)).message).toBe(
      'f: size is [2, 2]; expected an array of 3 numbers, each an integer >= 1.',
    );
    expect(caught(() => assertNumberArray('f', 'size', [2, 0, 2], { min: 1, integer: true }, 3)).message).toBe(
      'f: size is [2, 0, 2]; expected an array of 3 numbers, each an integer >= 1 (item 1 is 0).',
    );
    expect(caught(() => assertNumberArray('f', 'size', 'abc')).argument).toBe('size');
  });
});

describe('assertSpatialDims', () => {
  it('accepts 2 and 3 only', () => {
    expect(() => assertSpatialDims('unet', 2)).not.toThrow();
    expect(() => assertSpatialDims('unet', 3)).not.toThrow();
    expect(caught(() => assertSpatialDims('unet', 1)).message).toBe(
      'unet: options.spatialDims is 1; expected 2 (images) or 3 (volumes).',
    );
    expect(caught(() => assertSpatialDims('unet', '2')).message).toContain("is '2'");
  });
});

describe('assertRank', () => {
  it('accepts allowed ranks of tensors and symbolic shapes', () => {
    const t = tf.zeros([1, 4, 4, 2]);
    expect(() => assertRank('f', 'x', t, [4, 5])).not.toThrow();
    expect(() => assertRank('f', 'x', { shape: [null, 4, 4, 4, 1] }, [5])).not.toThrow();
    t.dispose();
  });

  it('names shape, rank and the expected ranks with their meaning', () => {
    expect(caught(() => assertRank('dice', 'yPred', { shape: [4, 4] }, [4, 5], '[N, H, W, C] or [N, D, H, W, C]')).message).toBe(
      'dice: yPred has shape [4, 4] (rank 2); expected rank 4 or 5 ([N, H, W, C] or [N, D, H, W, C]).',
    );
    expect(caught(() => assertRank('f', 'x', [1, 2] as never, [4])).message).toBe('f: x is [1, 2]; expected a tensor.');
    expect(caught(() => assertRank('f', 'x', null as never, [4])).message).toBe('f: x is null; expected a tensor.');
  });
});

describe('assertSameShape', () => {
  it('matches equal shapes, null dimensions matching anything', () => {
    expect(() => assertSameShape('f', 'a', { shape: [2, 3] }, 'b', { shape: [2, 3] })).not.toThrow();
    expect(() => assertSameShape('f', 'a', { shape: [null, 3] }, 'b', { shape: [5, 3] })).not.toThrow();
  });

  it('rejects different shapes and ranks, naming both arguments', () => {
    const error = caught(() => assertSameShape('dice', 'yTrue', { shape: [1, 4, 4, 2] }, 'yPred', { shape: [1, 4, 4, 3] }));
    expect(error.message).toBe('dice: yTrue and yPred have shapes [1, 4, 4, 2] and [1, 4, 4, 3]; expected the same shape.');
    expect(() => assertSameShape('f', 'a', { shape: [2] }, 'b', { shape: [2, 1] })).toThrow(UnetKitError);
  });

  it('rejects non-tensors with a UnetKitError, not a TypeError', () => {
    expect(caught(() => assertSameShape('f', 'a', undefined as never, 'b', { shape: [1] })).message).toBe(
      'f: a is undefined; expected a tensor.',
    );
  });
});

describe('assertOptionsObject / assertKnownKeys', () => {
  it('accepts undefined and plain objects, rejects the rest', () => {
    expect(() => assertOptionsObject('f', undefined)).not.toThrow();
    expect(() => assertOptionsObject('f', { a: 1 })).not.toThrow();
    expect(caught(() => assertOptionsObject('f', [1])).message).toBe('f: options is [1]; expected an options object.');
    expect(caught(() => assertOptionsObject('f', 5, 'opts')).message).toBe('f: opts is 5; expected an options object.');
    expect(() => assertOptionsObject('f', null)).toThrow(UnetKitError);
  });

  it('catches misspelt option keys with a suggestion', () => {
    expect(() => assertKnownKeys('unet', { filters: [8] }, ['filters', 'depth'])).not.toThrow();
    expect(caught(() => assertKnownKeys('unet', { filter: [8] }, ['filters', 'depth'])).message).toBe(
      "unet: options.filter is not a known option; expected one of filters, depth. Did you mean 'filters'?",
    );
    expect(caught(() => assertKnownKeys('f', { zzz: 1 }, ['a'], 'args')).message).toBe(
      'f: args.zzz is not a known option; expected one of a.',
    );
  });
});
