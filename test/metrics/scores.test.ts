import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { confusionStats } from '../../src/metrics/confusion.js';
import type { ConfusionStats } from '../../src/metrics/confusion.js';
import { accuracy, dice, fBeta, iou, precision, recall, specificity } from '../../src/metrics/scores.js';
import type { ConfusionMetricOptions } from '../../src/metrics/scores.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

// Two samples of 10 voxels, two classes:
//            TP FP FN TN
//   s0 c0:    2  1  1  6
//   s0 c1:    0  0  0 10   empty truth, empty prediction
//   s1 c0:    1  0  3  6
//   s1 c1:    0  2  0  8   empty truth, 2 false positives
function makeStats(): ConfusionStats {
  return {
    tp: tf.tensor2d([[2, 0], [1, 0]], undefined, 'int32'),
    fp: tf.tensor2d([[1, 0], [0, 2]], undefined, 'int32'),
    fn: tf.tensor2d([[1, 0], [3, 0]], undefined, 'int32'),
    tn: tf.tensor2d([[6, 10], [6, 8]], undefined, 'int32'),
  };
}

type Metric = (s: ConfusionStats, o?: ConfusionMetricOptions) => tf.Tensor;

/** Applies `metric` to the example leak-checked and returns the values read back. */
async function run(metric: Metric, options?: ConfusionMetricOptions & { beta?: number }): Promise<unknown> {
  const s = makeStats();
  const out = await expectNoLeak(() => metric(s, options));
  const values = await out.array();
  tf.dispose([out, s]);
  return values;
}

describeEachBackend('confusion metrics', () => {
  it('dice: every reduction, both empty-truth rules', async () => {
    // s0c0: 2*2 / (4 + 1 + 1) = 2/3;  s1c0: 2*1 / (2 + 0 + 3) = 0.4
    // empty truth: NaN (ignoreEmpty), else s0c1 = 1 (prediction empty too), s1c1 = 0
    expectClose(await run(dice, { reduction: 'none' }), [[2 / 3, NaN], [0.4, NaN]]);
    expectClose(await run(dice, { reduction: 'none', ignoreEmpty: false }), [[2 / 3, 1], [0.4, 0]]);
    expectClose(await run(dice, { reduction: 'per-image' }), [2 / 3, 0.4]);
    // ignoreEmpty false: s0 (2/3 + 1) / 2 = 5/6; s1 (0.4 + 0) / 2 = 0.2
    expectClose(await run(dice, { reduction: 'per-image', ignoreEmpty: false }), [5 / 6, 0.2]);
    // per-class: c0 (2/3 + 0.4) / 2 = 8/15; c1 all NaN -> NaN, or (1 + 0) / 2
    expectClose(await run(dice, { reduction: 'per-class' }), [8 / 15, NaN]);
    expectClose(await run(dice, { reduction: 'per-class', ignoreEmpty: false }), [8 / 15, 0.5]);
    // mean: per sample first -> (2/3 + 0.4) / 2 = 8/15 (default reduction); or (5/6 + 0.2) / 2 = 31/60
    expectClose(await run(dice), 8 / 15);
    expectClose(await run(dice, { ignoreEmpty: false }), 31 / 60);
    // micro: TP 3, FP 3, FN 4 -> 6 / (6 + 3 + 4) = 6/13
    expectClose(await run(dice, { reduction: 'micro' }), 6 / 13);
    // macro: c0 summed TP 3 FP 1 FN 4 -> 6/11; c1 summed TP 0 FP 2 FN 0 (empty truth) -> NaN or 0
    expectClose(await run(dice, { reduction: 'macro' }), 6 / 11);
    expectClose(await run(dice, { reduction: 'macro', ignoreEmpty: false }), 3 / 11);
    // weighted by support TP + FN: c0 7, c1 0 -> 6/11 either way
    expectClose(await run(dice, { reduction: 'weighted' }), 6 / 11);
    expectClose(await run(dice, { reduction: 'weighted', ignoreEmpty: false }), 6 / 11);
  });

  it("MONAI's reduction names: NaN skipped, 0 where a group has no valid entry", async () => {
    // scores [[2/3, NaN], [0.4, NaN]]: class 1 has no valid entry in any sample
    expectClose(await run(dice, { reduction: 'mean_batch' }), [8 / 15, 0]);
    expectClose(await run(dice, { reduction: 'sum_batch' }), [2 / 3 + 0.4, 0]);
    expectClose(await run(dice, { reduction: 'mean_channel' }), [2 / 3, 0.4]);
    expectClose(await run(dice, { reduction: 'sum_channel' }), [2 / 3, 0.4]);
    expectClose(await run(dice, { reduction: 'sum' }), 2 / 3 + 0.4);
    expectClose(await run(dice, { reduction: 'mean' }), 8 / 15);
    // ignoreEmpty false gives every entry a value: [[2/3, 1], [0.4, 0]]
    expectClose(await run(dice, { reduction: 'mean_batch', ignoreEmpty: false }), [8 / 15, 0.5]);
    expectClose(await run(dice, { reduction: 'sum', ignoreEmpty: false }), 2 / 3 + 1 + 0.4);
    // recall of class 1 is NaN everywhere (no positives): 'mean' of class 1 alone is 0, not NaN
    const s = makeStats();
    const only1: ConfusionStats = {
      tp: tf.slice(s.tp, [0, 1], [2, 1]),
      fp: tf.slice(s.fp, [0, 1], [2, 1]),
      fn: tf.slice(s.fn, [0, 1], [2, 1]),
      tn: tf.slice(s.tn, [0, 1], [2, 1]),
    };
    const mean = await expectNoLeak(() => recall(only1));
    expect(await mean.array()).toBe(0);
    tf.dispose([mean, s, only1]);
  });

  it('iou, precision, recall', async () => {
    // iou: s0c0 2 / (2 + 1 + 1) = 0.5; s1c0 1 / (1 + 0 + 3) = 0.25; micro 3 / (3 + 3 + 4) = 0.3
    expectClose(await run(iou, { reduction: 'none' }), [[0.5, NaN], [0.25, NaN]]);
    expectClose(await run(iou), 0.375);
    expectClose(await run(iou, { reduction: 'micro' }), 0.3);
    // precision: s0c0 2 / 3; s1c0 1 / 1; mean (2/3 + 1) / 2 = 5/6; micro 3 / 6
    expectClose(await run(precision, { reduction: 'none', ignoreEmpty: false }), [[2 / 3, 1], [1, 0]]);
    expectClose(await run(precision), 5 / 6);
    expectClose(await run(precision, { reduction: 'micro' }), 0.5);
    // recall: s0c0 2 / 3; s1c0 1 / 4; mean 11/24; micro 3 / 7
    expectClose(await run(recall, { reduction: 'none' }), [[2 / 3, NaN], [0.25, NaN]]);
    expectClose(await run(recall), 11 / 24);
    expectClose(await run(recall, { reduction: 'micro' }), 3 / 7);
  });

  it('specificity, fBeta, accuracy', async () => {
    // specificity TN / (TN + FP): 6/7, 10/10, 6/6, 8/10 (empty truth does not matter here)
    expectClose(await run(specificity, { reduction: 'none' }), [[6 / 7, 1], [1, 0.8]]);
    // mean: ((6/7 + 1) / 2 + (1 + 0.8) / 2) / 2 = (13/14 + 0.9) / 2
    expectClose(await run(specificity), (13 / 14 + 0.9) / 2);
    // fBeta beta 2: 5 TP / (5 TP + 4 FN + FP): s0c0 10 / (10 + 4 + 1) = 2/3; s1c0 5 / (5 + 12) = 5/17
    expectClose(await run(fBeta as Metric, { reduction: 'none', beta: 2 } as ConfusionMetricOptions), [[2 / 3, NaN], [5 / 17, NaN]]);
    // beta 1 is Dice
    expectClose(await run(fBeta as Metric, { reduction: 'none', ignoreEmpty: false }), [[2 / 3, 1], [0.4, 0]]);
    // accuracy (TP + TN) / 10: 0.8, 1, 0.7, 0.8; micro (3 + 30) / 40
    expectClose(await run(accuracy, { reduction: 'none' }), [[0.8, 1], [0.7, 0.8]]);
    expectClose(await run(accuracy, { reduction: 'micro' }), 33 / 40);
  });

  it('degenerate denominators: empty prediction, no negatives, all voxels ignored', async () => {
    // [TP FP FN TN] = [0 0 2 3]: empty prediction on a non-empty truth -> precision 0 (not NaN)
    // [0 0 0 0]: every voxel ignored -> accuracy NaN even with ignoreEmpty false
    // [4 0 1 0] / [4 0 0 0]: no background in truth (TN + FP = 0) -> specificity NaN, or 0 (FN > 0) / 1
    const s: ConfusionStats = {
      tp: tf.tensor2d([[0, 0, 4, 4]], undefined, 'int32'),
      fp: tf.tensor2d([[0, 0, 0, 0]], undefined, 'int32'),
      fn: tf.tensor2d([[2, 0, 1, 0]], undefined, 'int32'),
      tn: tf.tensor2d([[3, 0, 0, 0]], undefined, 'int32'),
    };
    const read = async (t: tf.Tensor) => {
      const v = await t.array();
      t.dispose();
      return v;
    };
    expectClose(await read(precision(s, { reduction: 'none' })), [[0, NaN, 1, 1]]);
    expectClose(await read(accuracy(s, { reduction: 'none', ignoreEmpty: false })), [[0.6, NaN, 0.8, 1]]);
    expectClose(await read(specificity(s, { reduction: 'none' })), [[1, NaN, NaN, NaN]]);
    expectClose(await read(specificity(s, { reduction: 'none', ignoreEmpty: false })), [[1, 1, 0, 1]]);
    tf.dispose([s.tp, s.fp, s.fn, s.tn]);
  });

  it('invariants: Dice 1 for a perfect prediction; IoU = Dice / (2 - Dice)', async () => {
    const labels = tf.tensor([0, 1, 2, 2, 1, 0, 0, 1], [2, 2, 2], 'int32');
    // tf.oneHot gives int32, which confusionStats reads as a label map: one-hot predictions are float
    const perfect = tf.cast(tf.oneHot(labels, 3), 'float32');
    const probs = tf.tensor([0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1, 0.3, 0.3, 0.4, 0.1, 0.8, 0.1, 0.2, 0.3, 0.5, 0.4, 0.1, 0.5, 0.2, 0.7, 0.1], [2, 2, 2, 3]);
    const s1 = confusionStats(perfect, labels);
    // sample 1 has no class 2: NaN by default, 1 (both empty) with ignoreEmpty false
    const d1 = dice(s1, { reduction: 'none' });
    expectClose(await d1.array(), [[1, 1, 1], [1, 1, NaN]]);
    const d1Empty = dice(s1, { reduction: 'none', ignoreEmpty: false });
    expectClose(await d1Empty.array(), [[1, 1, 1], [1, 1, 1]]);
    const s2 = confusionStats(probs, labels);
    const dT = dice(s2, { reduction: 'none' });
    const jT = iou(s2, { reduction: 'none' });
    const d = (await dT.array()) as number[][];
    expectClose(await jT.array(), d.map((row) => row.map((x) => x / (2 - x))));
    tf.dispose([labels, perfect, probs, d1, d1Empty, dT, jT, s1, s2]);
  });

  it('rejects bad options and stats', () => {
    const s = makeStats();
    const before = tf.memory().numTensors;
    expect(() => dice(s, { reduction: 'macor' as never })).toThrow(/dice: options.reduction is 'macor'; expected one of .* Did you mean 'macro'\?/);
    expect(() => iou(s, { ignoreEmpty: 'yes' as never })).toThrow(/iou: options.ignoreEmpty is 'yes'; expected true or false/);
    expect(() => fBeta(s, { beta: 0 })).toThrow(/fBeta: options.beta is 0; expected a finite number > 0/);
    expect(() => recall(s.tp as never)).toThrow(/recall: stats is tensor of shape \[2, 2\]; expected the \{ tp, fp, fn, tn \} object/);
    expect(() => precision({ ...s, fn: tf.zeros([1, 2]) } as never)).toThrow(/precision: stats.tp and stats.fn have shapes \[2, 2\] and \[1, 2\]/);
    expect(() => accuracy({ tp: s.tp } as never)).toThrow(/accuracy: stats.fp is undefined; expected a live \[N, K\] tensor/);
    expect(() => specificity(s, { reducton: 'mean' } as never)).toThrow(/Did you mean 'reduction'\?/);
    expect(tf.memory().numTensors - before).toBe(1); // only the zeros made for the shape check
    tf.dispose([s.tp, s.fp, s.fn, s.tn]);
  });
});
