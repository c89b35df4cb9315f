import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cosineAnnealing, learningRateScheduler, polyLR, stepDecay, warmup } from '../../src/train/schedules.js';
import { getLearningRate, setLearningRate } from '../../src/train/learningRate.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { recordWeights, tinyDense, weightValues } from './fixtures.js';

const seq = (s: { valueAt: (t: number) => number }, n: number): number[] => Array.from({ length: n }, (_, t) => s.valueAt(t));

describe('schedules (values)', () => {
  it('cosineAnnealing follows SGDR with warm restarts', () => {
    // period 4, mult 2: cycle 0 is t = 0..3 (length 4), cycle 1 is t = 4..11 (length 8).
    // t = 1: (1 + cos(pi / 4)) / 2 = 0.853553; t = 2: 0.5; t = 3: (1 + cos(3 pi / 4)) / 2 = 0.146447;
    // t = 4: restart -> 1; t = 5: (1 + cos(pi / 8)) / 2 = 0.961940; t = 12: restart again.
    const s = cosineAnnealing({ initialLR: 1, period: 4, periodMult: 2 });
    expectClose(seq(s, 6), [1, 0.853553, 0.5, 0.146447, 1, 0.96194], 1e-5);
    expectClose(s.valueAt(12), 1, 1e-12);
    // minLR 0.1: lr = 0.1 + 0.9 * (1 + cos(pi t / T)) / 2; t = 2 of period 4 -> 0.1 + 0.45 = 0.55.
    expectClose(cosineAnnealing({ initialLR: 1, minLR: 0.1, period: 4 }).valueAt(2), 0.55, 1e-12);
  });

  it("cosineAnnealing equals PyTorch CosineAnnealingWarmRestarts' closed form over several cycles", () => {
    // T_0 = 2, T_mult = 3: cycles [0, 2), [2, 8), [8, 26). t = 5: T_cur = 3 of T_i = 6 -> (1 + cos(pi / 2)) / 2 = 0.5;
    // t = 8: restart -> 1; t = 9: T_cur = 1 of 18 -> (1 + cos(pi / 18)) / 2 = 0.992404.
    const s = cosineAnnealing({ initialLR: 1, period: 2, periodMult: 3 });
    expectClose([s.valueAt(2), s.valueAt(5), s.valueAt(8), s.valueAt(9)], [1, 0.5, 1, 0.992404], 1e-6);
    // PyTorch (T_mult > 1): n = floor(log_{T_mult}(t / T_0 * (T_mult - 1) + 1)),
    // T_cur = t - T_0 * (T_mult^n - 1) / (T_mult - 1), T_i = T_0 * T_mult^n;
    // lr = eta_min + (base - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2.
    const torch = (t: number, T0: number, mult: number, base: number, etaMin: number): number => {
      const n = mult === 1 ? Math.floor(t / T0) : Math.floor(Math.log((t / T0) * (mult - 1) + 1) / Math.log(mult) + 1e-12);
      const tCur = mult === 1 ? t - n * T0 : t - (T0 * (mult ** n - 1)) / (mult - 1);
      const Ti = T0 * mult ** n;
      return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * tCur) / Ti))) / 2;
    };
    for (const [T0, mult] of [[3, 1], [2, 2], [5, 3]] as Array<[number, number]>) {
      const sched = cosineAnnealing({ initialLR: 0.1, minLR: 0.001, period: T0, periodMult: mult });
      const ours = seq(sched, 60);
      const reference = Array.from({ length: 60 }, (_, t) => torch(t, T0, mult, 0.1, 0.001));
      expectClose(ours, reference, 1e-9);
    }
  });

  it('polyLR is initial * (1 - t / T)^0.9, then 0', () => {
    const s = polyLR({ initialLR: 0.01, totalSteps: 10 });
    // t = 5: 0.01 * 0.5^0.9 = 0.01 * 0.535887 = 0.00535887; t = 1: 0.01 * 0.9^0.9 = 0.00909533.
    expectClose(seq(s, 2), [0.01, 0.01 * 0.9 ** 0.9], 1e-12);
    expectClose(s.valueAt(5), 0.00535887, 1e-5);
    expect(s.valueAt(10)).toBe(0);
    expect(s.valueAt(12)).toBe(0);
    // The doc example: totalSteps 1000 -> 1e-2, 1e-2 * 0.999^0.9 = 9.991e-3 (to 4 digits), ..., 1e-2 * 0.5^0.9 at t = 500.
    const doc = polyLR({ initialLR: 1e-2, totalSteps: 1000 });
    expectClose([doc.valueAt(0), doc.valueAt(1), doc.valueAt(500)], [1e-2, 9.991e-3, 0.00535887], 1e-4);
    // exponent 2: 1 * (1 - 3 / 4)^2 = 0.0625
    expectClose(polyLR({ initialLR: 1, totalSteps: 4, exponent: 2 }).valueAt(3), 0.0625, 1e-12);
  });

  it('stepDecay multiplies by gamma every stepSize steps', () => {
    expect(seq(stepDecay({ initialLR: 1, stepSize: 3, gamma: 0.5 }), 7)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('warmup ramps linearly from startFactor * target, then runs the schedule from its step 0', () => {
    const s = warmup(stepDecay({ initialLR: 1, stepSize: 2, gamma: 0.1 }), { steps: 4, startFactor: 0.2 });
    // t < 4: 0.2 + 0.8 * t / 4 -> 0.2, 0.4, 0.6, 0.8; then stepDecay(0..): 1, 1, 0.1, 0.1.
    expectClose(seq(s, 8), [0.2, 0.4, 0.6, 0.8, 1, 1, 0.1, 0.1], 1e-12);
    expectClose(seq(warmup(0.5, { steps: 2 }), 3), [0.05, 0.275, 0.5], 1e-12);
    expect(warmup(polyLR({ initialLR: 1, totalSteps: 3, per: 'batch' }), { steps: 1 }).per).toBe('batch');
  });

  it('rejects bad options with messages', () => {
    expect(() => polyLR({ initialLR: 0.01, totalSteps: 0 })).toThrow(/polyLR: options.totalSteps is 0; expected an integer >= 1/);
    expect(() => polyLR({ initialLR: 0.01, totalStep: 10 } as never)).toThrow(/Did you mean 'totalSteps'/);
    expect(() => cosineAnnealing({ initialLR: 1, period: 4, minLR: 2 })).toThrow(/options.minLR is 2; expected a finite number >= 0 and <= 1/);
    expect(() => stepDecay({ initialLR: -1, stepSize: 1 })).toThrow(/initialLR is -1/);
    expect(() => learningRateScheduler((t) => t, { per: 'batches' as never })).toThrow(/Did you mean 'batch'/);
    expect(() => warmup({} as never, { steps: 2 })).toThrow(/warmup: schedule is \{\}; expected a LearningRateScheduler/);
    expect(() => warmup(polyLR({ initialLR: 1, totalSteps: 3 }), { steps: 2, per: 'batch' })).toThrow(/the wrapped schedule's unit 'epoch'/);
    expect(() => cosineAnnealing(undefined as never)).toThrow(/cosineAnnealing: options is undefined/);
  });
});

describeEachBackend('schedules (in fit)', () => {
  it('sets the optimizer rate each epoch and logs it as lr', async () => {
    const { model, x, y } = tinyDense(tf.train.adam(0.5));
    const schedule = stepDecay({ initialLR: 0.01, stepSize: 2, gamma: 0.5 });
    const history = await model.fit(x, y, { epochs: 5, batchSize: 4, callbacks: [schedule], verbose: 0 });
    expect(schedule.history).toEqual([
      { step: 0, lr: 0.01 },
      { step: 1, lr: 0.01 },
      { step: 2, lr: 0.005 },
      { step: 3, lr: 0.005 },
      { step: 4, lr: 0.0025 },
    ]);
    expect(history.history.lr).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025]);
    expect(getLearningRate(model.optimizer)).toBe(0.0025);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('per batch: advances with the optimizer iterations across epochs', async () => {
    const { model, x, y } = tinyDense(tf.train.sgd(1));
    const schedule = learningRateScheduler((t) => 0.01 * (t + 1), { per: 'batch' });
    // 8 samples, batch 2 -> 4 steps per epoch, 2 epochs -> steps 0..7.
    await model.fit(x, y, { epochs: 2, batchSize: 2, callbacks: [schedule], verbose: 0 });
    expect(schedule.history.map((h) => h.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expectClose(getLearningRate(model.optimizer), 0.08, 1e-12);
    tf.dispose([x, y]);
    model.dispose();
  });

  for (const [name, make] of [
    ['sgd', () => tf.train.sgd(0.3)],
    ['momentum', () => tf.train.momentum(0.3, 0.9)],
    ['adam', () => tf.train.adam(0.3)],
    ['rmsprop', () => tf.train.rmsprop(0.3)],
  ] as Array<[string, () => tf.Optimizer]>) {
    it(`a rate set mid-training takes effect (${name}): lr 0 from epoch 1 freezes the weights`, async () => {
      const { model, x, y } = tinyDense(make());
      const before = weightValues(model);
      const snapshots: number[][][] = [];
      const schedule = learningRateScheduler((epoch) => (epoch === 0 ? 0.3 : 0));
      await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, callbacks: [schedule, recordWeights(() => model, snapshots)], verbose: 0 });
      // Epoch 0 moved the weights; epochs 1 and 2 ran with rate 0 and did not.
      expect(snapshots[0]).not.toEqual(before);
      expect(snapshots[1]).toEqual(snapshots[0]);
      expect(snapshots[2]).toEqual(snapshots[0]);
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it('setLearningRate rejects what is not an optimizer and bad rates; schedules need a compiled model', async () => {
    expect(() => setLearningRate({} as never, 0.1)).toThrow(/setLearningRate: optimizer is \{\}; expected a tfjs optimizer/);
    const sgd = tf.train.sgd(0.1);
    expect(() => setLearningRate(sgd, -1)).toThrow(/learningRate is -1; expected a finite number >= 0/);
    setLearningRate(sgd, 0.2);
    expect(getLearningRate(sgd)).toBe(0.2);
    sgd.dispose();
    const bad = learningRateScheduler(() => NaN);
    const { model, x, y } = tinyDense();
    await expect(model.fit(x, y, { epochs: 1, callbacks: [bad], verbose: 0 })).rejects.toThrow(/learningRateScheduler: schedule gave NaN at step 0/);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('schedules (step validation)', () => {
  it('refuse negative, NaN and infinite steps by the factory name instead of a rate above initialLR or an endless loop', () => {
    expect(polyLR({ initialLR: 1, totalSteps: 10 }).valueAt(5)).toBeCloseTo(0.5 ** 0.9, 12);
    expect(() => polyLR({ initialLR: 1, totalSteps: 10 }).valueAt(-5)).toThrow('polyLR: step is -5; expected a finite number >= 0.');
    expect(() => stepDecay({ initialLR: 1, stepSize: 1, gamma: 0.1 }).valueAt(-2)).toThrow(/^stepDecay: step is -2/);
    expect(() => cosineAnnealing({ initialLR: 1, period: 10 }).valueAt(Infinity)).toThrow(/^cosineAnnealing: step is Infinity/);
    expect(() => warmup(0.1, { steps: 3 }).valueAt(NaN)).toThrow(/^warmup: step is NaN/);
    expect(() => learningRateScheduler((s) => s).valueAt(-1)).toThrow(/^learningRateScheduler: step is -1/);
    // A huge step returns at once (one modulo), at the cycle position step % period.
    const cosine = cosineAnnealing({ initialLR: 1, period: 10 });
    expect(cosine.valueAt(1e15 + 5)).toBeCloseTo(cosine.valueAt(5), 12);
  });
});
