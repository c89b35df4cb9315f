import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { createRng } from '../../src/core/rng.js';
import { diceCoefficient, iouScore } from '../../src/metrics/training.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

const S = 1e-5; // default smooth
// yPred [2, 2, 1, 2]: sample 0 voxels [.8 .2] [.4 .6], labels [0, 1];
//                     sample 1 voxels [.1 .9] [.3 .7], labels [1, 1]
const PRED = [0.8, 0.2, 0.4, 0.6, 0.1, 0.9, 0.3, 0.7];
const LABELS = [0, 1, 1, 1];

async function value(metric: (t: tf.Tensor, p: tf.Tensor) => tf.Scalar, yTrue: tf.Tensor, yPred: tf.Tensor): Promise<number> {
  const out = await expectNoLeak(() => metric(yTrue, yPred));
  expect(out.shape).toEqual([]);
  const v = (await out.data())[0]!;
  out.dispose();
  return v;
}

describeEachBackend('training metrics', () => {
  it('diceCoefficient: per sample and class, then the mean; batch and includeBackground', async () => {
    const pred = tf.tensor(PRED, [2, 2, 1, 2]);
    const labels = tf.tensor(LABELS, [2, 2, 1], 'int32');
    const oneHot = tf.oneHot(labels, 2);
    // (2 I + s) / (sum p + sum t + s):
    //   s0 c0: I .8, p 1.2, t 1 -> 1.6 / 2.2     s0 c1: I .6, p .8, t 1 -> 1.2 / 1.8
    //   s1 c0: I 0, p .4, t 0 -> s / (.4 + s)     s1 c1: I 1.6, p 1.6, t 2 -> 3.2 / 3.6
    const r = (i: number, d: number) => (2 * i + S) / (d + S);
    const perSample = [r(0.8, 2.2), r(0.6, 1.8), r(0, 0.4), r(1.6, 3.6)];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expectClose(await value(diceCoefficient(), oneHot, pred), mean(perSample));
    // label maps [N, H, W] and [N, H, W, 1] give the same
    expectClose(await value(diceCoefficient(), labels, pred), mean(perSample));
    expectClose(await value(diceCoefficient(), tf.reshape(labels, [2, 2, 1, 1]), pred), mean(perSample), 1e-5);
    expectClose(await value(diceCoefficient({ includeBackground: false }), oneHot, pred), mean([perSample[1]!, perSample[3]!]));
    // batch: sums over both samples: c0 I .8, p 1.6, t 1 -> 1.6 / 2.6;  c1 I 2.2, p 2.4, t 3 -> 4.4 / 5.4
    expectClose(await value(diceCoefficient({ batch: true }), oneHot, pred), mean([r(0.8, 2.6), r(2.2, 5.4)]));
    // smooth 0 on the same batch: the s1 c0 term is exactly 0
    expectClose(await value(diceCoefficient({ smooth: 0 }), oneHot, pred), mean([1.6 / 2.2, 1.2 / 1.8, 0, 3.2 / 3.6]));
    tf.dispose([pred, labels, oneHot]);
  });

  it('iouScore: (I + s) / (sum p + sum t - I + s)', async () => {
    const pred = tf.tensor(PRED, [2, 2, 1, 2]);
    const oneHot = tf.oneHot(tf.tensor(LABELS, [2, 2, 1], 'int32'), 2);
    const r = (i: number, d: number) => (i + S) / (d - i + S);
    // s0 c0 .8 / 1.4; s0 c1 .6 / 1.2; s1 c0 s / (.4 + s); s1 c1 1.6 / 2.0
    const expected = (r(0.8, 2.2) + r(0.6, 1.8) + r(0, 0.4) + r(1.6, 3.6)) / 4;
    expectClose(await value(iouScore(), oneHot, pred), expected);
    tf.dispose([pred, oneHot]);
  });

  it('binary single channel with a [N, H, W] mask; perfect and empty predictions score 1', async () => {
    // I = .9 + .5 = 1.4, sum p = 1.5, sum t = 2 -> (2.8 + s) / (3.5 + s)
    const pred = tf.tensor([0.9, 0.1, 0.5, 0], [1, 2, 2, 1]);
    const mask = tf.tensor([1, 0, 1, 0], [1, 2, 2]);
    expectClose(await value(diceCoefficient(), mask, pred), (2.8 + S) / (3.5 + S));
    const perfect = tf.reshape(mask, [1, 2, 2, 1]);
    expectClose(await value(diceCoefficient(), perfect, perfect), 1);
    expectClose(await value(iouScore(), perfect, perfect), 1);
    const empty = tf.zeros([1, 2, 2, 1]);
    expectClose(await value(diceCoefficient(), empty, empty), 1);
    tf.dispose([pred, mask, perfect, empty]);
  });

  it('gradients are finite at predictions exactly 0 and 1 and on empty targets', () => {
    const target = tf.oneHot(tf.tensor([0, 1, 1, 0], [1, 2, 2], 'int32'), 2);
    for (const metric of [diceCoefficient(), iouScore()]) {
      for (const pred of [tf.cast(target, 'float32'), tf.zeros([1, 2, 2, 2]), tf.ones([1, 2, 2, 2])]) {
        for (const t of [target, tf.zerosLike(target)]) {
          const g = tf.grad((p: tf.Tensor) => metric(t, p))(pred);
          expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
          tf.dispose([g]);
        }
        pred.dispose();
      }
    }
    target.dispose();
  });

  it('rejects bad shapes and options', () => {
    const pred = tf.zeros([1, 2, 2, 2]);
    const bad = tf.zeros([1, 3, 2]);
    const flat = tf.zeros([4, 2]);
    expect(() => diceCoefficient()(bad, pred)).toThrow(
      /diceCoefficient: yTrue and yPred have shapes \[1, 3, 2\] and \[1, 2, 2, 2\]; expected yTrue one-hot \[1, 2, 2, 2\] or a label map/,
    );
    expect(() => iouScore()(flat, flat)).toThrow(/iouScore: yPred has shape \[4, 2\] \(rank 2\); expected rank >= 3/);
    expect(() => diceCoefficient({ smooth: -1 })).toThrow(/diceCoefficient: options.smooth is -1; expected a finite number >= 0/);
    expect(() => iouScore({ includeBackgroud: false } as never)).toThrow(/Did you mean 'includeBackground'\?/);
    tf.dispose([pred, bad, flat]);
  });
});

// Integration with tfjs-layers' fit. cpu only: on wasm, fit of this dense layer on rank-4 input
// fails inside tfjs itself ("Backend 'wasm' has an internal memory leak ... after running
// 'fusedMatMul__op'", with or without these metrics).
describe('training metrics in model.fit [cpu]', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('works in model.compile: logged as dice_coefficient and iou_score', async () => {
    const rng = createRng(7);
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [4, 4, 1],
          units: 2,
          activation: 'softmax',
          kernelInitializer: tfl.initializers.glorotUniform({ seed: rng.seed() }),
        }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [diceCoefficient(), iouScore()] });
    const x = tf.tensor(Array.from({ length: 32 }, () => rng.uniform(-1, 1)), [2, 4, 4, 1]);
    const y = tf.oneHot(tf.tensor(Array.from({ length: 32 }, () => rng.integer(0, 2)), [2, 4, 4], 'int32'), 2);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    for (const key of ['dice_coefficient', 'iou_score']) {
      const v = history.history[key]![0] as number;
      expect(v, key).toBeGreaterThan(0);
      expect(v, key).toBeLessThanOrEqual(1);
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});
