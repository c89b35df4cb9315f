import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { confusionStats } from '../../src/metrics/confusion.js';
import type { ConfusionStatsOptions } from '../../src/metrics/confusion.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** Runs confusionStats leak-checked and reads the four [N, K] tables. */
async function stats(pred: tf.Tensor, target: tf.Tensor, options?: ConfusionStatsOptions) {
  const s = await expectNoLeak(() => confusionStats(pred, target, options));
  const read = { tp: await s.tp.array(), fp: await s.fp.array(), fn: await s.fn.array(), tn: await s.tn.array() };
  expect(s.tp.dtype).toBe('int32');
  tf.dispose(s);
  tf.dispose([pred, target]);
  return read;
}

// Multi-class example, one 2x2 image, 3 classes (probabilities [N, H, W, C]):
//   voxel:        0               1               2               3
//   probs   [.7, .2, .1]    [.1, .8, .1]    [.2, .3, .5]    [.5, .4, .1]
//   argmax        0               1               2               0
//   label         0               1               1               2
const PROBS = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.3, 0.5, 0.5, 0.4, 0.1];
const LABELS = [0, 1, 1, 2];

describeEachBackend('confusionStats', () => {
  it('binary probabilities, threshold 0.5 and 0.6, mask or label-map target', async () => {
    // pred >= 0.5: [[1, 0, 1], [0, 1, 0]]; target [[1, 1, 0], [0, 1, 0]]
    // TP (0,0) (1,1) = 2; FP (0,2) = 1; FN (0,1) = 1; TN (1,0) (1,2) = 2
    const probs = [0.9, 0.2, 0.6, 0.4, 0.5, 0.1];
    const mask = [1, 1, 0, 0, 1, 0];
    const expected = { tp: [[2]], fp: [[1]], fn: [[1]], tn: [[2]] };
    expect(await stats(tf.tensor(probs, [1, 2, 3, 1]), tf.tensor(mask, [1, 2, 3, 1]))).toEqual(expected);
    expect(await stats(tf.tensor(probs, [1, 2, 3, 1]), tf.tensor(mask, [1, 2, 3], 'int32'))).toEqual(expected);
    // threshold 0.6: pred [[1, 0, 1], [0, 0, 0]] -> TP 1, FP 1 (0,2), FN 2, TN 2
    expect(await stats(tf.tensor(probs, [1, 2, 3, 1]), tf.tensor(mask, [1, 2, 3, 1]), { threshold: 0.6 })).toEqual({
      tp: [[1]],
      fp: [[1]],
      fn: [[2]],
      tn: [[2]],
    });
  });

  it('multi-class by argmax, label-map or one-hot target, any of [N, ...S] / [N, ...S, 1]', async () => {
    // class 0: pred {0, 3}, target {0} -> TP 1 FP 1 FN 0 TN 2
    // class 1: pred {1},    target {1, 2} -> TP 1 FP 0 FN 1 TN 2
    // class 2: pred {2},    target {3} -> TP 0 FP 1 FN 1 TN 2
    const expected = { tp: [[1, 1, 0]], fp: [[1, 0, 1]], fn: [[0, 1, 1]], tn: [[2, 2, 2]] };
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.tensor(LABELS, [1, 2, 2], 'int32'))).toEqual(expected);
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.tensor(LABELS, [1, 2, 2, 1]))).toEqual(expected);
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.oneHot(tf.tensor(LABELS, [1, 2, 2], 'int32'), 3))).toEqual(expected);
    // an int32 label-map prediction (the argmax) gives the same counts
    expect(await stats(tf.tensor([0, 1, 2, 0], [1, 2, 2], 'int32'), tf.tensor(LABELS, [1, 2, 2, 1]), { numClasses: 3 })).toEqual(expected);
    expect(await stats(tf.tensor([0, 1, 2, 0], [1, 2, 2, 1], 'int32'), tf.oneHot(tf.tensor(LABELS, [1, 2, 2], 'int32'), 3))).toEqual(expected);
    // includeBackground false drops class 0
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.tensor(LABELS, [1, 2, 2], 'int32'), { includeBackground: false })).toEqual({
      tp: [[1, 0]],
      fp: [[0, 1]],
      fn: [[1, 1]],
      tn: [[2, 2]],
    });
  });

  it('ignoreIndex leaves the ignored voxels out of all four counts', async () => {
    // labels [0, 1, 255, 2]: voxel 2 ignored, 3 voxels counted
    // class 0: pred {0, 3}, target {0} -> TP 1 FP 1 FN 0 TN 1
    // class 1: pred {1},    target {1} -> TP 1 FP 0 FN 0 TN 2
    // class 2: pred {} (voxel 2 ignored), target {3} -> TP 0 FP 0 FN 1 TN 2
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.tensor([0, 1, 255, 2], [1, 2, 2], 'int32'), { ignoreIndex: 255 })).toEqual({
      tp: [[1, 1, 0]],
      fp: [[1, 0, 0]],
      fn: [[0, 0, 1]],
      tn: [[1, 2, 2]],
    });
  });

  it('multi-label when a threshold is given for several channels', async () => {
    // >= 0.3 per channel: voxel 0 [1,0,0], 1 [0,1,0], 2 [0,1,1], 3 [1,1,0]; target one-hot of [0, 1, 1, 2]
    // class 0: pred {0, 3} target {0} -> 1 1 0 2;  class 1: pred {1, 2, 3} target {1, 2} -> 2 1 0 1
    // class 2: pred {2} target {3} -> 0 1 1 2
    expect(await stats(tf.tensor(PROBS, [1, 2, 2, 3]), tf.tensor(LABELS, [1, 2, 2], 'int32'), { threshold: 0.3 })).toEqual({
      tp: [[1, 2, 0]],
      fp: [[1, 1, 1]],
      fn: [[0, 0, 1]],
      tn: [[2, 1, 2]],
    });
  });

  it('bool predictions are masks: binary and multi-label', async () => {
    // bool pred [[1, 0, 1], [0, 1, 0]] vs target [[1, 1, 0], [0, 1, 0]]: TP 2, FP 1, FN 1, TN 2
    const pred = tf.tensor([1, 0, 1, 0, 1, 0], [1, 2, 3, 1], 'bool');
    expect(await stats(pred, tf.tensor([1, 1, 0, 0, 1, 0], [1, 2, 3, 1]))).toEqual({ tp: [[2]], fp: [[1]], fn: [[1]], tn: [[2]] });
    // two channels with a threshold: channel 0 [1, 0], channel 1 [1, 1] vs labels [0, 1] one-hot
    // c0: pred {0} target {0} -> 1 0 0 1;  c1: pred {0, 1} target {1} -> 1 1 0 0
    const multi = tf.tensor([1, 1, 0, 1], [1, 2, 1, 2], 'bool');
    expect(await stats(multi, tf.tensor([0, 1], [1, 2, 1], 'int32'), { threshold: 0.5 })).toEqual({
      tp: [[1, 1]],
      fp: [[0, 1]],
      fn: [[0, 0]],
      tn: [[1, 0]],
    });
  });

  it('3D, per sample: a perfect sample and an empty prediction', async () => {
    // [2, 2, 2, 2, 1]: sample 0 pred = target = voxel 0 -> TP 1 TN 7
    // sample 1: pred empty, target voxels 3 and 5 -> FN 2 TN 6
    const pred = new Array(16).fill(0.1);
    pred[0] = 0.9;
    const target = new Array(16).fill(0);
    target[0] = 1;
    target[8 + 3] = 1;
    target[8 + 5] = 1;
    expect(await stats(tf.tensor(pred, [2, 2, 2, 2, 1]), tf.tensor(target, [2, 2, 2, 2, 1]))).toEqual({
      tp: [[1], [0]],
      fp: [[0], [0]],
      fn: [[0], [2]],
      tn: [[7], [6]],
    });
  });

  it("checkValues: 'auto' checks on host-memory backends, false skips the read (label 3 then counts as no class), and a bad value is rejected", async () => {
    const probs = (): tf.Tensor => tf.tensor(PROBS, [1, 2, 2, 3]);
    const label3 = (): tf.Tensor => tf.tensor([0, 1, 3, 2], [1, 2, 2], 'int32');
    const [p, l] = [probs(), label3()];
    // This suite runs on cpu, wasm and tensorflow: 'auto' (the default) and true read and throw.
    expect(() => confusionStats(p, l)).toThrow(/target has label 3/);
    expect(() => confusionStats(p, l, { checkValues: 'auto' })).toThrow(/target has label 3/);
    expect(() => confusionStats(p, l, { checkValues: true })).toThrow(/target has label 3/);
    expect(() => confusionStats(p, l, { checkValues: 'yes' as never })).toThrow(/^confusionStats: options.checkValues is 'yes'; expected true, false or 'auto'\.$/);
    tf.dispose([p, l]);
    // Unchecked, voxel 2 (label 3, predicted 2) is a false positive of class 2 and no class's false negative.
    expect(await stats(probs(), label3(), { checkValues: false })).toEqual({
      tp: [[1, 1, 0]],
      fp: [[1, 0, 1]],
      fn: [[0, 0, 1]],
      tn: [[2, 3, 2]],
    });
  });

  it('rejects bad input with one clear error each, leaking nothing', () => {
    const t = {
      probs: tf.tensor(PROBS, [1, 2, 2, 3]),
      labels: tf.tensor(LABELS, [1, 2, 2], 'int32'),
      zeros123: tf.zeros([1, 2, 3]),
      zeros222: tf.zeros([2, 2, 2]),
      label3: tf.tensor([0, 1, 3, 2], [1, 2, 2], 'int32'),
      labelNeg: tf.tensor([0, 1, -1, 2], [1, 2, 2], 'int32'),
      labelFrac: tf.tensor([0, 1, 1.5, 2], [1, 2, 2]),
      predLabel5: tf.tensor([0, 5, 1, 0], [1, 2, 2], 'int32'),
      predLabels: tf.tensor([0, 1, 2, 0], [1, 2, 2], 'int32'),
      rank2: tf.zeros([4, 4]),
      soft: tf.fill([1, 2, 2, 3], 0.5),
      oneHot: tf.oneHot(tf.tensor(LABELS, [1, 2, 2], 'int32'), 3),
      binary: tf.zeros([1, 2, 2, 1]),
      label2: tf.tensor([0, 2, 1, 0], [1, 2, 2], 'int32'),
    };
    const before = tf.memory().numTensors;
    const err = (fn: () => unknown, pattern: RegExp): void => {
      expect(fn).toThrow(UnetKitError);
      expect(fn).toThrow(pattern);
    };
    err(() => confusionStats(t.probs, t.zeros123), /confusionStats: pred and target have shapes \[1, 2, 2, 3\] and \[1, 2, 3\]/);
    err(() => confusionStats(t.probs, t.zeros222), /pred and target have shapes .* with N = 1/);
    err(() => confusionStats(t.probs, t.label3), /target has label 3; expected integers in \[0, 3\)/);
    err(() => confusionStats(t.probs, t.labelNeg), /target has label -1/);
    err(() => confusionStats(t.probs, t.labelFrac), /target has non-integer labels/);
    err(() => confusionStats(t.predLabel5, t.labels, { numClasses: 3 }), /pred has label 5; expected integers in \[0, 3\)/);
    err(() => confusionStats(t.rank2, t.labels), /pred has shape \[4, 4\] \(rank 2\); expected rank 3 or 4 or 5 or 6/);
    err(() => confusionStats(t.probs, t.labels, { numClasses: 4 }), /options.numClasses is 4; expected 3, the channel count of pred/);
    err(() => confusionStats(t.predLabels, t.labels), /options.numClasses is undefined; expected the number of classes/);
    err(() => confusionStats(t.probs, t.soft), /target has values outside \{0, 1\}/);
    err(() => confusionStats(t.probs, t.oneHot, { ignoreIndex: 255 }), /options.ignoreIndex is 255; expected undefined for a one-hot target/);
    err(() => confusionStats(t.binary, t.label2), /target has label 2; expected integers in \[0, 2\).*binary/);
    err(() => confusionStats(t.probs, t.labels, { numClases: 3 } as never), /Did you mean 'numClasses'\?/);
    err(() => confusionStats(t.probs, t.labels, { threshold: NaN }), /options.threshold is NaN/);
    expect(tf.memory().numTensors, 'tensors leaked by failed calls').toBe(before);
    tf.dispose(Object.values(t));
  });
});
