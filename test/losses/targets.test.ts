import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { labelsToOneHot, preparePair, shouldCheckLabels } from '../../src/losses/targets.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';

const pred = () => tf.zeros([2, 2, 3, 3]); // N = 2, 2x3 pixels, C = 3

describeEachBackend('preparePair', (backend) => {
  it('reads one-hot, label maps [N, ...] and [N, ..., 1] to the same [N, V, C] one-hot', async () => {
    const labels = [0, 1, 2, 2, 1, 0, 1, 1, 1, 0, 0, 2];
    const expected = labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)));
    const forms: Array<[string, () => tf.Tensor]> = [
      ['labels', () => tf.tensor3d(labels, [2, 2, 3], 'int32')],
      ['labels', () => tf.tensor4d(labels, [2, 2, 3, 1])],
      ['onehot', () => tf.oneHot(tf.tensor3d(labels, [2, 2, 3], 'int32'), 3)],
    ];
    for (const [kind, make] of forms) {
      const yTrue = make();
      const yPred = pred();
      const out = (await expectNoLeakRead(() => tf.tidy(() => {
        const p = preparePair('t', yTrue, yPred);
        expect(p.kind).toBe(kind);
        expect(p.mask).toBeNull();
        expect(p.pred.shape).toEqual([2, 6, 3]);
        return p.target;
      }))) as number[][][];
      expect(out.flat(2)).toEqual(expected);
      tf.dispose([yTrue, yPred]);
    }
  });

  it('builds the ignore mask for label maps and one-hot targets', () => {
    tf.tidy(() => {
      const labels = tf.tensor2d([0, 9, 2, 9], [1, 4], 'int32');
      const p = preparePair('t', labels, tf.zeros([1, 4, 3]), { ignoreIndex: 9 });
      expect(Array.from(p.mask!.dataSync())).toEqual([1, 0, 1, 0]);
      // ignored rows are all zero in the target
      expect(Array.from(p.target.dataSync())).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
      // one-hot target, ignoreIndex = a channel: pixels of that class are masked
      const onehot = tf.oneHot(tf.tensor2d([0, 1, 2, 1], [1, 4], 'int32'), 3);
      const q = preparePair('t', onehot, tf.zeros([1, 4, 3]), { ignoreIndex: 1 });
      expect(Array.from(q.mask!.dataSync())).toEqual([1, 0, 1, 0]);
      // ignoreIndex outside [0, C) cannot occur in a one-hot target: no mask
      expect(preparePair('t', onehot, tf.zeros([1, 4, 3]), { ignoreIndex: 255 }).mask).toBeNull();
    });
  });

  it('treats a single-channel target as a binary (possibly soft) mask', () => {
    tf.tidy(() => {
      const p = preparePair('t', tf.tensor2d([0, 0.25, 1, 1], [2, 2]), tf.zeros([2, 2, 1]));
      expect(p.kind).toBe('binary');
      expect(Array.from(p.target.dataSync())).toEqual([0, 0.25, 1, 1]);
    });
  });

  it("checks labels by default on host-memory backends ('auto')", () => {
    expect(shouldCheckLabels('auto')).toBe(['cpu', 'wasm', 'tensorflow'].includes(backend));
    expect(shouldCheckLabels(undefined)).toBe(true);
    expect(shouldCheckLabels(false)).toBe(false);
  });

  it('labelsToOneHot encodes any shape and checks values', () => {
    tf.tidy(() => {
      const out = labelsToOneHot('t', tf.tensor1d([2, 0]), 3, 'auto');
      expect(out.shape).toEqual([2, 3]);
      expect(Array.from(out.dataSync())).toEqual([0, 0, 1, 1, 0, 0]);
      expect(() => labelsToOneHot('t', tf.tensor1d([3]), 3, true)).toThrow(/contains label 3/);
    });
  });

  it('rejects non-tensors, wrong ranks, mismatched shapes and bad labels, leaking nothing', () => {
    const cases: Array<[() => [unknown, unknown], RegExp]> = [
      [() => [[0, 1], tf.zeros([1, 2])], /t: yTrue is \[0, 1\]; expected a tf.Tensor/],
      [() => [tf.zeros([1]), tf.zeros([3])], /yPred has shape \[3\] \(rank 1\); expected rank >= 2/],
      [() => [tf.zeros([2, 2, 2]), pred()], /yTrue and yPred have shapes \[2, 2, 2\] and \[2, 2, 3, 3\]; expected yTrue of shape \[2, 2, 3, 3\] \(one-hot\), \[2, 2, 3, 1\] or \[2, 2, 3\]/],
      [() => [tf.fill([2, 2, 3], 3), pred()], /contains label 3; yPred has 3 channels, so labels must be integers in \[0, 2\]/],
      [() => [tf.fill([2, 2, 3], Number.NaN), pred()], /contains label NaN/],
      [() => [tf.fill([1, 2], 2), tf.zeros([1, 2, 1])], /contains 2; a single-channel prediction needs a binary target/],
    ];
    for (const [make, pattern] of cases) {
      const [yTrue, yPred] = make();
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        tf.tidy(() => {
          preparePair('t', yTrue, yPred);
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnetKitError);
      expect(String(error)).toMatch(pattern);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([yTrue, yPred].filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    }
  });
});

describe('preparePair ignore labels are exempt from the range check', () => {
  it('accepts ignoreIndex 255 with 3 classes', () => {
    tf.tidy(() => {
      expect(() => preparePair('t', tf.tensor1d([0, 255, 2]), tf.zeros([3, 3]), { ignoreIndex: 255, checkLabels: true })).not.toThrow();
      expect(() => preparePair('t', tf.tensor1d([0, 254, 2]), tf.zeros([3, 3]), { ignoreIndex: 255, checkLabels: true })).toThrow(
        /contains label 254.*\(or ignoreIndex 255\)/,
      );
    });
  });
});
