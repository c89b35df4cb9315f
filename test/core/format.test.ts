import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import * as tf from '@tensorflow/tfjs-core';
import { formatValue } from '../../src/core/format.js';

// Shape and config checks: one backend is enough.
beforeAll(async () => {
  await useBackend('cpu');
});

describe('formatValue', () => {
  it('quotes strings and prints numbers, NaN, null and undefined plainly', () => {
    expect(formatValue('x')).toBe("'x'");
    expect(formatValue(3.5)).toBe('3.5');
    expect(formatValue(-Infinity)).toBe('-Infinity');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue(true)).toBe('true');
  });

  it('brackets arrays and elides after 8 items', () => {
    expect(formatValue([1, 'a', null])).toBe("[1, 'a', null]");
    expect(formatValue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBe('[1, 2, 3, 4, 5, 6, 7, 8, ... (10 items)]');
    expect(formatValue([[1, 2], [3]])).toBe('[[1, 2], [3]]');
  });

  it('names typed arrays and tensors by type/shape, not contents', () => {
    expect(formatValue(new Float32Array(5))).toBe('Float32Array(5)');
    const t = tf.zeros([2, 3]);
    expect(formatValue(t)).toBe('tensor of shape [2, 3]');
    expect(formatValue({ shape: [null, 4, 1] })).toBe('tensor of shape [null, 4, 1]');
    t.dispose();
  });

  it('prints small objects as JSON and truncates long ones to 80 characters', () => {
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    const long = formatValue({ key: 'v'.repeat(200) });
    expect(long.length).toBe(80);
    expect(long.endsWith('...')).toBe(true);
  });

  it('never throws, even on circular objects, and names functions instead of printing their source', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(formatValue(circular)).toBe('[object Object]');
    function myCallback(): number {
      return 1 + 2 + 3;
    }
    expect(formatValue(myCallback)).toBe('function myCallback');
    expect(formatValue(Symbol('s'))).toBe('Symbol(s)');
  });
});
