import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { distillationLoss } from '../../src/train/distillation.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

const softmax = (z: number[]): number[] => {
  const e = z.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const kl = (p: number[], q: number[]): number => p.reduce((acc, pi, i) => acc + pi * Math.log(pi / q[i]!), 0);

describeEachBackend('distillationLoss', () => {
  it('is alpha * T^2 * KL(teacher^T || student^T) + (1 - alpha) * CE, by hand', async () => {
    // One voxel, two classes. Teacher logits [2, 0], student [0, 0], label class 0.
    const teacher = tf.tensor([2, 0], [1, 1, 1, 2]);
    const student = tf.tensor([0, 0], [1, 1, 1, 2]);
    const y = tf.tensor([1, 0], [1, 1, 1, 2]);
    // T = 1: p_t = softmax([2, 0]) = [0.880797, 0.119203], p_s = [0.5, 0.5]:
    // KL = 0.880797 ln(1.761594) + 0.119203 ln(0.238406) = 0.498717 - 0.170917 = 0.327800.
    const soft1 = kl(softmax([2, 0]), [0.5, 0.5]);
    expectClose(soft1, 0.3278, 1e-4);
    const alphaOne = await expectNoLeak(() => distillationLoss(teacher, { temperature: 1, alpha: 1 })(y, student));
    expectClose((await alphaOne.data())[0], soft1, 1e-5);
    // T = 2: logits / 2 = [1, 0] -> p_t = [0.731059, 0.268941]; KL = 0.110988; times T^2 = 4 -> 0.443952.
    const t2 = distillationLoss(teacher, { temperature: 2, alpha: 1 })(y, student);
    expectClose((await t2.data())[0], 4 * kl(softmax([1, 0]), [0.5, 0.5]), 1e-5);
    // alpha = 0: cross-entropy -ln softmax([0, 0])[0] = ln 2 = 0.693147.
    const hard = distillationLoss(teacher, { alpha: 0 })(y, student);
    expectClose((await hard.data())[0], Math.LN2, 1e-5);
    // alpha = 0.25, T = 2: 0.25 * 0.443952 + 0.75 * 0.693147 = 0.630848.
    const mixed = distillationLoss(teacher, { temperature: 2, alpha: 0.25 })(y, student);
    expectClose((await mixed.data())[0], 0.25 * 4 * kl(softmax([1, 0]), [0.5, 0.5]) + 0.75 * Math.LN2, 1e-5);
    tf.dispose([teacher, student, y, alphaOne, t2, hard, mixed]);
  });

  it('has no soft term when the student equals the teacher; gradients are finite', async () => {
    const logits = tf.randomNormal([2, 4, 4, 3], 0, 2, 'float32', 0);
    const labels = tf.oneHot(tf.argMax(logits, -1), 3);
    const loss = distillationLoss(logits, { alpha: 1 })(labels, logits);
    expectClose((await loss.data())[0], 0, 1e-5);
    const student = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1);
    const grad = tf.grad((s: tf.Tensor) => distillationLoss(logits, { temperature: 3, alpha: 0.5 })(labels, s))(student);
    const g = await grad.data();
    expect(g.every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(g).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([logits, labels, loss, student, grad]);
  });

  it('sigmoid: binary KL per channel; probabilities accepted with fromLogits: false', async () => {
    // teacher logit ln 3 -> p = 0.75; student logit 0 -> q = 0.5 (T = 1):
    // KL = 0.75 ln(1.5) + 0.25 ln(0.5) = 0.304099 - 0.173287 = 0.130812.
    const teacher = tf.tensor([Math.log(3)], [1, 1, 1, 1]);
    const student = tf.tensor([0], [1, 1, 1, 1]);
    const y = tf.tensor([1], [1, 1, 1, 1]);
    const a = distillationLoss(teacher, { activation: 'sigmoid', temperature: 1, alpha: 1 })(y, student);
    expectClose((await a.data())[0], 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 1e-5);
    const probsT = tf.tensor([0.75], [1, 1, 1, 1]);
    const probsS = tf.tensor([0.5], [1, 1, 1, 1]);
    const b = distillationLoss(probsT, { activation: 'sigmoid', temperature: 1, alpha: 1, fromLogits: false })(y, probsS);
    expectClose((await b.data())[0], 0.130812, 1e-4);
    tf.dispose([teacher, student, y, a, probsT, probsS, b]);
  });

  it('sigmoid: the gradient in the student is sigma(s) - sigma(t) per logit (T = 1, alpha = 1), so it trains', async () => {
    // d/ds of the binary KL(sigma(t) || sigma(s)) is sigma(s) - sigma(t); the mean over 2 voxels halves it.
    const teacher = tf.tensor([1.5, -0.5], [1, 2, 1]);
    const student = tf.tensor([0, 1], [1, 2, 1]);
    const y = tf.sigmoid(teacher);
    const loss = distillationLoss(teacher, { activation: 'sigmoid', temperature: 1, alpha: 1 });
    const grad = await expectNoLeak(() => tf.grad((s: tf.Tensor) => loss(y, s))(student));
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectClose(Array.from(grad.dataSync()), [(sig(0) - sig(1.5)) / 2, (sig(1) - sig(-0.5)) / 2], 1e-5);
    tf.dispose([teacher, student, y, grad]);
  });

  it("tf.logSigmoid's gradient still reads its input after a tidy disposed it (docs/tfjs-gaps.md; drop the -softplus(-x) when this fails)", () => {
    const x = tf.tensor1d([0.5, -1]);
    expect(() => tf.grad((v: tf.Tensor) => tf.tidy(() => tf.sum(tf.logSigmoid(tf.mul(v, 2)))))(x)).toThrow(/Cannot read properties of undefined/);
    x.dispose();
  });

  it('rejects bad options and shapes', () => {
    const t = tf.zeros([1, 2, 2, 2]);
    expect(() => distillationLoss(t, { temperature: 0 })).toThrow(/distillationLoss: options.temperature is 0/);
    expect(() => distillationLoss(t, { alpha: 2 })).toThrow(/options.alpha is 2; expected a finite number >= 0 and <= 1/);
    expect(() => distillationLoss(t, { activation: 'softmx' as never })).toThrow(/Did you mean 'softmax'/);
    const s = tf.zeros([1, 2, 2, 3]);
    expect(() => distillationLoss(t)(s, s)).toThrow(/yPred has shape \[1, 2, 2, 3\]; expected the teacher's shape \[1, 2, 2, 2\]/);
    expect(() => distillationLoss(t)(s, t)).toThrow(/yTrue has shape \[1, 2, 2, 3\]/);
    tf.dispose([t, s]);
  });
});
