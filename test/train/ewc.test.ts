import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { distillationLoss } from '../../src/train/distillation.js';
import { ewcAnchor, ewcLoss, ewcPenalty } from '../../src/train/ewc.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const mse = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => tf.mean(tf.square(tf.sub(yTrue, yPred)), -1);

/** y = w x (one weight, no bias), w = 0.5. */
function oneWeight(): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [1], units: 1, useBias: false })] });
  tf.tidy(() => model.setWeights([tf.tensor2d([[0.5]])]));
  return model;
}

/** 4 -> 8 tanh -> 1, seeded. */
function smallNet(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

/**
 * Task A: inputs on features 0, 1, target x0 - x1; task B: inputs on features 2, 3, target
 * x2 + x3. One net can fit both, but B's gradients reach the shared hidden biases and output
 * weights, so plain training on B overwrites A.
 */
function task(which: 'A' | 'B', seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const u = tf.randomNormal([64, 2], 0, 1, 'float32', seed);
    const zeros = tf.zeros([64, 2]);
    const [a, b] = tf.split(u, 2, 1) as [tf.Tensor, tf.Tensor];
    if (which === 'A') return { x: tf.concat([u, zeros], 1) as tf.Tensor2D, y: tf.sub(a, b) as tf.Tensor2D };
    return { x: tf.concat([zeros, u], 1) as tf.Tensor2D, y: tf.add(a, b) as tf.Tensor2D };
  });
}

const lossOn = (model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): number => tf.tidy(() => tf.mean(mse(y, model.predict(x) as tf.Tensor)).dataSync()[0]!);

describeEachBackend('elastic weight consolidation', () => {
  it('Fisher of one dense weight under MSE: mean of (2 x (w x - y))^2 = 74/3; penalty lambda/2 F (w - w*)^2', async () => {
    const model = oneWeight();
    const x = tf.tensor2d([[1], [2], [-1]]);
    const y = tf.tensor2d([[0], [3], [1]]);
    // Per-sample gradients 2 * 1 * 0.5 = 1, 2 * 2 * (1 - 3) = -8, 2 * -1 * (-0.5 - 1) = 3.
    const firstTwo = ewcAnchor(model, mse, x, y, { maxSamples: 2 });
    expect(firstTwo.fisher[0]!.dataSync()[0]).toBeCloseTo(65 / 2, 4);
    firstTwo.dispose();
    const anchor = await expectNoLeak(() => ewcAnchor(model, mse, x, y));
    expect(anchor.fisher[0]!.dataSync()[0]).toBeCloseTo(74 / 3, 4);
    expect(anchor.optimum[0]!.dataSync()[0]).toBe(0.5);
    tf.tidy(() => model.setWeights([tf.tensor2d([[0.8]])]));
    const penalty = await expectNoLeak(() => ewcPenalty(anchor, 2));
    expect(penalty.dataSync()[0]).toBeCloseTo((74 / 3) * 0.3 * 0.3, 4);
    penalty.dispose();
    // Its gradient is lambda F (w - w*), the pull back to task A's optimum.
    const weight = model.trainableWeights[0]!.read() as tf.Variable;
    const { grads } = tf.variableGrads(() => ewcPenalty(anchor, 2), [weight]);
    expect(grads[weight.name]!.dataSync()[0]).toBeCloseTo(2 * (74 / 3) * 0.3, 3);
    tf.dispose([x, y, ...Object.values(grads)]);
    anchor.dispose();
    model.dispose();
  });

  it('train A, then B: with EWC through model.fit, A is forgotten far less (numbers in the test)', async () => {
    const a = task('A', 1);
    const b = task('B', 2);
    const trainA = async (model: tfl.LayersModel) => {
      model.compile({ optimizer: tf.train.adam(0.03), loss: mse });
      await model.fit(a.x, a.y, { epochs: 60, batchSize: 64, verbose: 0, shuffle: false });
    };
    const plain = smallNet();
    await trainA(plain);
    const consolidated = smallNet();
    await trainA(consolidated);
    const afterA = lossOn(plain, a.x, a.y);
    expect(afterA).toBeLessThan(0.05);
    expect(lossOn(consolidated, a.x, a.y)).toBeCloseTo(afterA, 5);

    plain.compile({ optimizer: tf.train.adam(0.03), loss: mse });
    await plain.fit(b.x, b.y, { epochs: 60, batchSize: 64, verbose: 0, shuffle: false });
    const anchor = ewcAnchor(consolidated, mse, a.x, a.y);
    consolidated.compile({ optimizer: tf.train.adam(0.03), loss: ewcLoss(mse, anchor, { lambda: 1000 }) });
    await consolidated.fit(b.x, b.y, { epochs: 60, batchSize: 64, verbose: 0, shuffle: false });

    const forgotPlain = lossOn(plain, a.x, a.y);
    const forgotEwc = lossOn(consolidated, a.x, a.y);
    const learnedPlain = lossOn(plain, b.x, b.y);
    const learnedEwc = lossOn(consolidated, b.x, b.y);
    // Measured on cpu: A's MSE 0.0101 after A; after B 0.0560 without EWC, 0.0107 with
    // (lambda 1000; 0.0160 at lambda 100); B's MSE 0.0130 without, 0.0276 with (2 at the start).
    expect(forgotPlain).toBeGreaterThan(3 * afterA);
    expect(forgotEwc).toBeLessThan(forgotPlain / 3);
    expect(forgotEwc).toBeLessThan(1.5 * afterA);
    expect(learnedPlain).toBeLessThan(0.05);
    expect(learnedEwc).toBeLessThan(0.1);
    anchor.dispose();
    tf.dispose([a.x, a.y, b.x, b.y]);
    plain.dispose();
    consolidated.dispose();
  });

  it('learning without forgetting: distillationLoss on the old head over task B inputs keeps task A (numbers in the test)', async () => {
    // Two heads: logit 0 for task A (sign of x0 - x1), logit 1 for task B (sign of x2 + x3).
    const net = () =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({ inputShape: [4], units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
          tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
        ],
      });
    const a = task('A', 5);
    const b = task('B', 6);
    const [labelsA, labelsB] = [tf.cast(tf.greater(a.y, 0), 'float32'), tf.cast(tf.greater(b.y, 0), 'float32')];
    const head = (out: tf.Tensor, k: number) => tf.slice(out, [0, k], [-1, 1]);
    const bce = (labels: tf.Tensor, logits: tf.Tensor) => tf.losses.sigmoidCrossEntropy(labels, logits);
    const fitHead = (model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor, k: number, extra?: (out: tf.Tensor) => tf.Tensor) => {
      const optimizer = tf.train.adam(0.03);
      for (let step = 0; step < 150; step++) {
        optimizer.minimize(() => {
          const out = model.apply(x, { training: true }) as tf.Tensor;
          const loss = bce(labels, head(out, k));
          return (extra === undefined ? loss : tf.add(loss, extra(out))) as tf.Scalar;
        });
      }
      optimizer.dispose();
    };
    const lossA = (model: tfl.LayersModel) => tf.tidy(() => bce(labelsA, head(model.predict(a.x) as tf.Tensor, 0)).dataSync()[0]!);
    const plain = net();
    const lwf = net();
    fitHead(plain, a.x, labelsA, 0);
    fitHead(lwf, a.x, labelsA, 0);
    const afterA = lossA(plain);
    // LwF (Li & Hoiem 2016): record the old head's logits on the new task's inputs before training on it.
    const oldLogits = tf.tidy(() => head(lwf.predict(b.x) as tf.Tensor, 0));
    const keepOld = distillationLoss(oldLogits, { activation: 'sigmoid', alpha: 1, temperature: 2 });
    const oldProbs = tf.sigmoid(oldLogits);
    fitHead(plain, b.x, labelsB, 1);
    fitHead(lwf, b.x, labelsB, 1, (out) => tf.mul(keepOld(oldProbs, head(out, 0)), 10));
    const [forgotPlain, forgotLwf] = [lossA(plain), lossA(lwf)];
    const learnedB = tf.tidy(() => bce(labelsB, head(lwf.predict(b.x) as tf.Tensor, 1)).dataSync()[0]!);
    // Measured on cpu: A's BCE 0.0188 after A; after B 0.0564 without LwF, 0.0217 with; B's BCE 0.0386 with LwF.
    expect(forgotPlain).toBeGreaterThan(2 * afterA);
    expect(forgotLwf).toBeLessThan(forgotPlain / 2);
    expect(learnedB).toBeLessThan(0.2);
    tf.dispose([a.x, a.y, b.x, b.y, labelsA, labelsB, oldLogits, oldProbs]);
    plain.dispose();
    lwf.dispose();
  });

  it('refuses bad models, losses, data and anchors with UnetKitError', () => {
    const model = oneWeight();
    const x = tf.ones([3, 1]);
    expect(() => ewcAnchor({} as never, mse, x, x)).toThrow(UnetKitError);
    expect(() => ewcAnchor(model, 'mse' as never, x, x)).toThrow(/ewcAnchor: loss is 'mse'; expected a function/);
    expect(() => ewcAnchor(model, mse, x, tf.ones([2, 1]))).toThrow(/ewcAnchor: y is .*; expected a tensor \[3, \.\.\.\]/);
    expect(() => ewcAnchor(model, mse, x, x, { maxSamples: 0 })).toThrow(/options.maxSamples is 0/);
    const nan = tf.fill([3, 1], Number.NaN);
    expect(() => ewcAnchor(model, mse, x, nan)).toThrow(/ewcAnchor: loss is NaN on sample 0/);
    const anchor = ewcAnchor(model, mse, x, x);
    expect(() => ewcLoss(mse, anchor, { lambda: -1 })).toThrow(/ewcLoss: options.lambda is -1/);
    anchor.dispose();
    expect(() => ewcPenalty(anchor, 1)).toThrow(/ewcPenalty: anchor is 'a disposed anchor'/);
    tf.dispose([x, nan]);
    model.dispose();
  });
});
