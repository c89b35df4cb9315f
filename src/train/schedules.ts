import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { getLearningRate, setLearningRate } from './learningRate.js';
import type { CallbackLogs } from './logs.js';

/** When a schedule advances: once per epoch (default, nnU-Net) or once per batch (optimizer step). */
export type ScheduleUnit = 'epoch' | 'batch';

/** A learning-rate schedule: step (epoch or optimizer iteration, from 0) -> learning rate. */
export type ScheduleFn = (step: number) => number;

/** Options every schedule factory takes. */
export interface ScheduleOptions {
  /** Advance per `'epoch'` (default; the epoch number includes `initialEpoch`) or per `'batch'` (the optimizer's iteration count). */
  per?: ScheduleUnit;
}

const UNITS: readonly ScheduleUnit[] = ['epoch', 'batch'];

/** A {@link LearningRateScheduler}'s position, plain JSON: what a resumable checkpoint keeps of it. */
export interface ScheduleState {
  /** The unit it advances in. */
  readonly per: ScheduleUnit;
  /** Every rate it set, with its step, in order. */
  readonly history: ReadonlyArray<{ readonly step: number; readonly lr: number }>;
  /** The rate it set last, or `null` before the first. */
  readonly current: number | null;
}

/**
 * A tfjs callback that sets the compiled optimizer's learning rate from a schedule before each
 * epoch (or batch), and adds the rate in use as `lr` to the epoch logs (so `History`, progress
 * bars and metric logs show it). Build one with {@link cosineAnnealing}, {@link polyLR},
 * {@link stepDecay}, {@link warmup} or {@link learningRateScheduler}.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 100, callbacks: [polyLR({ initialLR: 1e-2, totalSteps: 100 })] });
 * ```
 */
export class LearningRateScheduler extends tfl.Callback {
  /** The schedule's value at a step. */
  readonly valueAt: ScheduleFn;
  /** The unit the schedule advances in. */
  readonly per: ScheduleUnit;
  /** Every rate this callback set, with its step, in order. */
  readonly history: Array<{ step: number; lr: number }> = [];
  private current: number | undefined;

  constructor(schedule: ScheduleFn, options: ScheduleOptions = {}) {
    super();
    const fn = 'learningRateScheduler';
    if (typeof schedule !== 'function') fail(fn, 'schedule', schedule, 'a function (step) => learning rate');
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['per']);
    const { per = 'epoch' } = options;
    assertOneOf(fn, 'options.per', per, UNITS);
    // Steps are epoch or batch indices: a negative, fractional-infinite or NaN step would give a
    // rate above initialLR (polyLR, stepDecay) or never return (cosineAnnealing at Infinity).
    const name = (schedule as { scheduleName?: string }).scheduleName ?? fn;
    this.valueAt = (step: number) => {
      assertNumber(name, 'step', step, { min: 0 });
      return schedule(step);
    };
    this.per = per;
  }

  private apply(step: number): void {
    const optimizer = (this.model as tfl.LayersModel | undefined)?.optimizer;
    if (optimizer === undefined || optimizer === null) {
      throw new UnetKitError('learningRateScheduler', 'model', 'has no optimizer; compile the model before fit.');
    }
    const lr = this.valueAt(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new UnetKitError('learningRateScheduler', 'schedule', `gave ${String(lr)} at step ${step}; expected a finite number >= 0.`);
    }
    setLearningRate(optimizer, lr);
    this.current = lr;
    this.history.push({ step, lr });
  }

  /**
   * The schedule's position (the rates it set, the last one) for a resumable checkpoint. The
   * rate itself is a function of the step (epoch or optimizer iteration), which the checkpoint
   * restores, so this is what `lr` logs and `history` show after a resume.
   *
   * @example `const saved = schedule.getState();`
   */
  getState(): ScheduleState {
    return { per: this.per, history: this.history.map((h) => ({ ...h })), current: this.current ?? null };
  }

  /**
   * Moves the schedule to a position taken by {@link LearningRateScheduler.getState}.
   *
   * @example `schedule.setState(schedule.getState());` (a no-op: the position saved is the position restored)
   */
  setState(state: ScheduleState): void {
    const fn = 'learningRateScheduler.setState';
    const { per, history, current } = (state ?? {}) as Partial<ScheduleState>;
    if (per !== this.per) fail(fn, 'state.per', per, `this schedule's unit '${this.per}'`);
    const entryOk = (h: unknown): boolean => {
      const { step, lr } = (h ?? {}) as { step?: unknown; lr?: unknown };
      return typeof step === 'number' && Number.isInteger(step) && step >= 0 && typeof lr === 'number' && Number.isFinite(lr) && lr >= 0;
    };
    if (!Array.isArray(history) || !history.every(entryOk)) fail(fn, 'state.history', history, 'an array of { step: an integer >= 0, lr: a finite number >= 0 }');
    if (current !== null && (typeof current !== 'number' || !Number.isFinite(current) || current < 0)) fail(fn, 'state.current', current, 'a finite number >= 0 or null');
    this.history.splice(0, this.history.length, ...history.map((h) => ({ step: h.step, lr: h.lr })));
    this.current = current ?? undefined;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (this.per === 'epoch') this.apply(epoch);
  }

  override async onBatchBegin(): Promise<void> {
    if (this.per === 'batch') this.apply(this.model.optimizer.iterations);
  }

  override async onEpochEnd(_epoch: number, logs?: CallbackLogs): Promise<void> {
    if (logs !== undefined && logs !== null) logs.lr = this.current ?? getLearningRate(this.model.optimizer);
  }
}

/**
 * A {@link LearningRateScheduler} from any function of the step.
 *
 * @example `learningRateScheduler((epoch) => 1e-3 * 0.95 ** epoch)`
 */
export function learningRateScheduler(schedule: ScheduleFn, options: ScheduleOptions = {}): LearningRateScheduler {
  return new LearningRateScheduler(schedule, options);
}

/** Options of {@link cosineAnnealing}. */
export interface CosineAnnealingOptions extends ScheduleOptions {
  /** Rate at the start of each cycle. Required. */
  initialLR: number;
  /** Rate at the end of each cycle. Default 0. */
  minLR?: number;
  /** Length of the first cycle in steps (SGDR's T_0). Required; use the total steps for plain cosine annealing. */
  period: number;
  /** Each cycle is this many times longer than the one before (SGDR's T_mult, an integer >= 1). Default 1. */
  periodMult?: number;
}

/** Tags `schedule` with the factory's name, which the step check of {@link LearningRateScheduler} reports. */
function named(fn: string, schedule: ScheduleFn): ScheduleFn {
  return Object.assign(schedule, { scheduleName: fn });
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017; PyTorch's
 * `CosineAnnealingWarmRestarts`): within a cycle of length `T_i = period * periodMult^i`,
 * at `t_cur` steps into it, `lr = minLR + (initialLR - minLR) * (1 + cos(pi * t_cur / T_i)) / 2`;
 * the rate jumps back to `initialLR` when a cycle ends. With `period` = the total number of
 * steps it is plain cosine annealing.
 *
 * @example `cosineAnnealing({ initialLR: 1e-3, period: 10, periodMult: 2 })` restarts at epochs 10, 30, 70.
 */
export function cosineAnnealing(options: CosineAnnealingOptions): LearningRateScheduler {
  const fn = 'cosineAnnealing';
  if (options === undefined) fail(fn, 'options', options, 'an options object with initialLR and period');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['initialLR', 'minLR', 'period', 'periodMult', 'per']);
  const { initialLR, minLR = 0, period, periodMult = 1, per } = options;
  assertNumber(fn, 'options.initialLR', initialLR, { min: 0, minExclusive: true });
  assertNumber(fn, 'options.minLR', minLR, { min: 0, max: initialLR });
  assertInteger(fn, 'options.period', period, { min: 1 });
  assertInteger(fn, 'options.periodMult', periodMult, { min: 1 });
  return new LearningRateScheduler(
    named(fn, (step) => {
      let length = period;
      // Equal cycles: one modulo instead of step / period loop turns.
      let t = periodMult === 1 ? step % period : step;
      while (t >= length) {
        t -= length;
        length *= periodMult;
      }
      return minLR + ((initialLR - minLR) * (1 + Math.cos((Math.PI * t) / length))) / 2;
    }),
    { per },
  );
}

/** Options of {@link polyLR}. */
export interface PolyLROptions extends ScheduleOptions {
  /** Rate at step 0. Required (nnU-Net: 1e-2). */
  initialLR: number;
  /** Steps to decay over (epochs for `per: 'epoch'`); the rate is 0 from there on. Required. */
  totalSteps: number;
  /** Exponent of the decay. Default 0.9 (nnU-Net). */
  exponent?: number;
}

/**
 * Polynomial decay, nnU-Net's schedule: `lr = initialLR * (1 - t / totalSteps)^exponent`
 * (exponent 0.9), 0 once `t >= totalSteps` (Isensee et al. 2021, `PolyLRScheduler`).
 *
 * @example `polyLR({ initialLR: 1e-2, totalSteps: 1000 })` gives 1e-2, 9.991e-3, ... per epoch.
 */
export function polyLR(options: PolyLROptions): LearningRateScheduler {
  const fn = 'polyLR';
  if (options === undefined) fail(fn, 'options', options, 'an options object with initialLR and totalSteps');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['initialLR', 'totalSteps', 'exponent', 'per']);
  const { initialLR, totalSteps, exponent = 0.9, per } = options;
  assertNumber(fn, 'options.initialLR', initialLR, { min: 0, minExclusive: true });
  assertInteger(fn, 'options.totalSteps', totalSteps, { min: 1 });
  assertNumber(fn, 'options.exponent', exponent, { min: 0, minExclusive: true });
  return new LearningRateScheduler(named(fn, (step) => initialLR * Math.max(0, 1 - step / totalSteps) ** exponent), { per });
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions extends ScheduleOptions {
  /** Rate at step 0. Required. */
  initialLR: number;
  /** The rate is multiplied by `gamma` every `stepSize` steps. Required. */
  stepSize: number;
  /** Factor per decay. Default 0.1. */
  gamma?: number;
}

/**
 * Step decay (PyTorch's `StepLR`): `lr = initialLR * gamma^floor(t / stepSize)`.
 *
 * @example `stepDecay({ initialLR: 1e-3, stepSize: 30, gamma: 0.1 })`: 1e-3 for epochs 0..29, 1e-4 for 30..59, ...
 */
export function stepDecay(options: StepDecayOptions): LearningRateScheduler {
  const fn = 'stepDecay';
  if (options === undefined) fail(fn, 'options', options, 'an options object with initialLR and stepSize');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['initialLR', 'stepSize', 'gamma', 'per']);
  const { initialLR, stepSize, gamma = 0.1, per } = options;
  assertNumber(fn, 'options.initialLR', initialLR, { min: 0, minExclusive: true });
  assertInteger(fn, 'options.stepSize', stepSize, { min: 1 });
  assertNumber(fn, 'options.gamma', gamma, { min: 0, minExclusive: true });
  return new LearningRateScheduler(named(fn, (step) => initialLR * gamma ** Math.floor(step / stepSize)), { per });
}

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Warm-up length in the schedule's unit. Required. */
  steps: number;
  /** Rate at step 0 as a fraction of the target rate. Default 0.1. */
  startFactor?: number;
}

/**
 * Linear warm-up before a schedule (Goyal et al. 2017; PyTorch's `LinearLR` chained with the
 * schedule): for `t < steps`, `lr = target * (startFactor + (1 - startFactor) * t / steps)`
 * with `target` the schedule's first rate; from `t = steps` on, the wrapped schedule runs from
 * its own step 0 (`lr = schedule(t - steps)`). Pass a number for warm-up to a constant rate.
 *
 * @param schedule - a {@link LearningRateScheduler} (its `per` is kept) or a constant rate.
 * @example `warmup(cosineAnnealing({ initialLR: 1e-3, period: 50 }), { steps: 5 })`
 */
export function warmup(schedule: LearningRateScheduler | number, options: WarmupOptions & ScheduleOptions): LearningRateScheduler {
  const fn = 'warmup';
  if (options === undefined) fail(fn, 'options', options, 'an options object with steps');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['steps', 'startFactor', 'per']);
  const { steps, startFactor = 0.1 } = options;
  assertInteger(fn, 'options.steps', steps, { min: 1 });
  assertNumber(fn, 'options.startFactor', startFactor, { min: 0, max: 1 });
  let inner: ScheduleFn;
  let per: ScheduleUnit;
  if (typeof schedule === 'number') {
    assertNumber(fn, 'schedule', schedule, { min: 0, minExclusive: true });
    inner = () => schedule;
    per = options.per ?? 'epoch';
  } else if (schedule instanceof LearningRateScheduler) {
    inner = schedule.valueAt;
    per = options.per ?? schedule.per;
    if (per !== schedule.per) fail(fn, 'options.per', options.per, `the wrapped schedule's unit '${schedule.per}'`);
  } else {
    return fail(fn, 'schedule', schedule, 'a LearningRateScheduler (cosineAnnealing, polyLR, ...) or a number');
  }
  const target = inner(0);
  return new LearningRateScheduler(named(fn, (step) => (step < steps ? target * (startFactor + ((1 - startFactor) * step) / steps) : inner(step - steps))), {
    per,
  });
}
