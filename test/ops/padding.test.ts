import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { borderIndex } from '../../src/ops/border.js';
import { cropToShape, nearestValidSizes, paddingToMultiple, padToMultiple } from '../../src/ops/padding.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

describe('borderIndex', () => {
  it('follows numpy.pad conventions for abc', () => {
    const idx = (mode: 'edge' | 'reflect' | 'symmetric') => [-3, -2, -1, 3, 4, 5].map((i) => borderIndex(i, 3, mode));
    // edge: aaa|abc|ccc
    expect(idx('edge')).toEqual([0, 0, 0, 2, 2, 2]);
    // reflect: numpy.pad([a,b,c], 3, 'reflect') = b c b | a b c | b a b -> index -3..-1 = 1,2,1? period 4:
    // -1 -> 1, -2 -> 2, -3 -> 1; 3 -> 1, 4 -> 0, 5 -> 1
    expect(idx('reflect')).toEqual([1, 2, 1, 1, 0, 1]);
    // symmetric: c b a | a b c | c b a -> -1 -> 0, -2 -> 1, -3 -> 2; 3 -> 2, 4 -> 1, 5 -> 0
    expect(idx('symmetric')).toEqual([2, 1, 0, 2, 1, 0]);
    expect(borderIndex(-1, 3, 'constant')).toBe(-1);
  });
});

describe('nearestValidSizes / paddingToMultiple', () => {
  it('gives the divisible sizes around a size', () => {
    expect(nearestValidSizes(100, 16)).toEqual([96, 112]);
    expect(nearestValidSizes(96, 16)).toEqual([96]);
    expect(nearestValidSizes(10, 16)).toEqual([16]);
  });
  it('splits the padding floor-before, rest-after', () => {
    // 100 -> 112: 12 = 6 + 6; 97 -> 112: 15 = 7 + 8; 96 stays.
    expect(paddingToMultiple([100, 97, 96], 16)).toEqual([[6, 6], [7, 8], [0, 0]]);
    expect(paddingToMultiple([97], [16], 'end')).toEqual([[0, 15]]);
  });
  it('rejects bad sizes', () => {
    expect(() => nearestValidSizes(0, 16)).toThrow(/nearestValidSizes: size is 0; expected an integer >= 1/);
    expect(() => nearestValidSizes(10, 1.5)).toThrow(UnetKitError);
  });
});

describeEachBackend('padToMultiple / cropToShape', () => {
  it('pads 2D with zeros centred and crops back exactly', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const padded = await expectNoLeak(() => padToMultiple(x, 4));
    // H 2 -> 4 (1 before, 1 after), W 3 -> 4 (0 before, 1 after)
    expect(padded.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(await padded.data())).toEqual([0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    const back = await expectNoLeak(() => cropToShape(padded, [2, 3]));
    expect(Array.from(await back.data())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([x, padded, back]);
  });

  it('pads with edge, reflect and symmetric borders, wider than the input', async () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const row = async (mode: 'edge' | 'reflect' | 'symmetric' | 'constant') => {
      const y = padToMultiple(x, [1, 10], { mode, value: -1, position: 'center' });
      const values = Array.from(await y.data());
      y.dispose();
      return values;
    };
    // width 3 -> 10: 3 before, 4 after.
    expect(await row('edge')).toEqual([1, 1, 1, 1, 2, 3, 3, 3, 3, 3]);
    expect(await row('reflect')).toEqual([2, 3, 2, 1, 2, 3, 2, 1, 2, 3]);
    expect(await row('symmetric')).toEqual([3, 2, 1, 1, 2, 3, 3, 2, 1, 1]);
    expect(await row('constant')).toEqual([-1, -1, -1, 1, 2, 3, -1, -1, -1, -1]);
    x.dispose();
  });

  it('round-trips a 3D volume with end padding', async () => {
    const x = tf.reshape(tf.range(0, 3 * 5 * 2 * 2), [1, 3, 5, 2, 2]);
    const padded = await expectNoLeak(() => padToMultiple(x, 4, { mode: 'reflect', position: 'end' }));
    expect(padded.shape).toEqual([1, 4, 8, 4, 2]);
    const back = cropToShape(padded, [3, 5, 2], { position: 'end' });
    expect(Array.from(await back.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, padded, back]);
  });

  it('returns a copy when nothing needs padding', async () => {
    const x = tf.ones([1, 4, 4, 1]);
    const y = padToMultiple(x, 2, { mode: 'edge' });
    expect(y).not.toBe(x);
    x.dispose();
    expect(Array.from(await y.data())).toEqual(new Array(16).fill(1));
    y.dispose();
  });

  it('rejects bad input with clear errors', () => {
    const x = tf.zeros([1, 5, 5, 1]);
    expect(() => padToMultiple(x, 0)).toThrow(/padToMultiple: multiple is 0; expected an integer >= 1/);
    expect(() => padToMultiple(x, 4, { mode: 'reflekt' as never })).toThrow(/Did you mean 'reflect'\?/);
    expect(() => padToMultiple(x, [4, 4, 4])).toThrow(/expected an array of 2 numbers/);
    expect(() => padToMultiple(tf.zeros([5, 5]) as never, 4)).toThrow(/expected rank 4 or 5/);
    expect(() => cropToShape(x, [6, 5])).toThrow(/cropToShape: shape is \[6, 5\]; expected sizes no larger/);
    x.dispose();
  });
});
