import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertKnownKeys, assertOptionsObject, fail } from '../core/assert.js';
import type { Rng } from '../core/rng.js';
import { saveModel } from '../io/modelFiles.js';
import { LearningRateScheduler } from './schedules.js';
import { saveTrainingState } from './trainingState.js';
import { checkMonitor, checkMonitorAvailable, improves, monitoredValue, readLogs, resolveMode, weightsAreFinite, type CallbackLogs, type MonitorMode } from './logs.js';

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /** Log to watch. Default `'val_loss'`. */
  monitor?: string;
  /** `'min'`, `'max'` or `'auto'` (default). */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Save only when `monitor` improves (default true); false saves after every epoch. */
  saveBestOnly?: boolean;
  /** Also save the optimizer state, to resume training. Default false. */
  includeOptimizer?: boolean;
  /** Print a line on each save. Default false. */
  verbose?: boolean;
  /**
   * Save a whole training state ({@link saveTrainingState}: weights, optimizer state, epoch,
   * step, schedule and generator positions) that {@link restoreTrainingState} resumes bitwise
   * exactly; usually with `saveBestOnly: false` (the last epoch). Default false.
   */
  resumable?: boolean;
  /** With `resumable`: the learning-rate callback of the run, whose position is saved. */
  schedule?: LearningRateScheduler;
  /** With `resumable`: the data-order and augmentation generators, by name, whose positions are saved. */
  rngs?: Readonly<Record<string, Rng>>;
}

/**
 * Saves the model to a directory (`model.json` + `weights.bin`, loadable with
 * `tf.loadLayersModel` through `loadModel`) whenever the monitored log improves, like Keras'
 * `ModelCheckpoint(save_best_only=True)`. Uses `saveModel` (Node file system, no tfjs-node needed).
 * With `resumable: true` it saves a whole training state instead ({@link saveTrainingState}),
 * which {@link restoreTrainingState} resumes bitwise exactly.
 *
 * @example `await model.fit(x, y, { validationSplit: 0.2, callbacks: [checkpoint('out/best', { monitor: 'val_loss' })] });`
 */
export class Checkpoint extends tfl.Callback {
  readonly dir: string;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  readonly verbose: boolean;
  readonly resumable: boolean;
  readonly schedule: LearningRateScheduler | undefined;
  readonly rngs: Readonly<Record<string, Rng>> | undefined;
  /** Best monitored value saved so far. */
  best = Infinity;
  /** Epoch of the last save (-1 before any). */
  savedEpoch = -1;
  /** Number of saves made. */
  saves = 0;
  /** Epochs not saved because their loss, monitored value or weights were NaN or infinite. */
  skippedNonFinite = 0;

  constructor(dir: string, options: CheckpointOptions = {}) {
    super();
    const fn = 'checkpoint';
    if (typeof dir !== 'string' || dir.trim() === '') fail(fn, 'dir', dir, 'a directory path (a non-empty string)');
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['monitor', 'mode', 'minDelta', 'saveBestOnly', 'includeOptimizer', 'verbose', 'resumable', 'schedule', 'rngs']);
    const { monitor = 'val_loss', mode = 'auto', minDelta = 0, saveBestOnly = true, includeOptimizer = false, verbose = false, resumable = false, schedule, rngs } = options;
    checkMonitor(fn, monitor, minDelta);
    assertBoolean(fn, 'options.saveBestOnly', saveBestOnly);
    assertBoolean(fn, 'options.includeOptimizer', includeOptimizer);
    assertBoolean(fn, 'options.verbose', verbose);
    assertBoolean(fn, 'options.resumable', resumable);
    if (!resumable && (schedule !== undefined || rngs !== undefined)) fail(fn, 'options.resumable', resumable, 'true when schedule or rngs are given (they are saved only in a resumable checkpoint)');
    if (schedule !== undefined && !(schedule instanceof LearningRateScheduler)) fail(fn, 'options.schedule', schedule, 'a LearningRateScheduler (polyLR, cosineAnnealing, ...)');
    if (rngs !== undefined && (rngs === null || typeof rngs !== 'object' || Object.values(rngs).some((r) => typeof (r as Partial<Rng> | null)?.getState !== 'function'))) {
      fail(fn, 'options.rngs', rngs, 'an object of generators from createRng, by name');
    }
    this.dir = dir;
    this.monitor = monitor;
    this.mode = resolveMode(fn, monitor, mode);
    this.minDelta = minDelta;
    this.saveBestOnly = saveBestOnly;
    this.includeOptimizer = includeOptimizer;
    this.verbose = verbose;
    this.resumable = resumable;
    this.schedule = schedule;
    this.rngs = rngs;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override async onTrainBegin(): Promise<void> {
    if (this.saveBestOnly) checkMonitorAvailable('checkpoint', this.monitor, this.params);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const read = await readLogs(logs);
    let value: number | undefined;
    if (this.saveBestOnly) {
      value = monitoredValue('checkpoint', this.monitor, read);
      if (!Number.isFinite(value)) return this.skip(epoch, `${this.monitor} is ${value}`);
      if (!improves(value, this.best, this.mode, this.minDelta) && this.savedEpoch >= 0) return;
    }
    // Never replace the last good checkpoint with a diverged model.
    if (read.loss !== undefined && !Number.isFinite(read.loss)) return this.skip(epoch, `loss is ${read.loss}`);
    if (!weightsAreFinite(this.model)) return this.skip(epoch, 'a weight is NaN or infinite');
    if (value !== undefined) this.best = value;
    if (this.resumable) await saveTrainingState(this.model, this.dir, { epoch: epoch + 1, ...(this.schedule && { schedule: this.schedule }), ...(this.rngs && { rngs: this.rngs }) });
    else await saveModel(this.model, this.dir, { includeOptimizer: this.includeOptimizer });
    this.savedEpoch = epoch;
    this.saves += 1;
    if (this.verbose) console.log(`checkpoint: saved epoch ${epoch + 1}${value !== undefined ? ` (${this.monitor} ${value})` : ''} to ${this.dir}`);
  }

  private skip(epoch: number, why: string): void {
    this.skippedNonFinite += 1;
    if (this.verbose) console.log(`checkpoint: not saving epoch ${epoch + 1} (${why}); ${this.dir} keeps the last finite model.`);
  }
}

/**
 * A {@link Checkpoint} callback saving the best model to `dir`.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [checkpoint('./runs/best')] });
 * const best = await loadModel('./runs/best');
 * // Every epoch, a state restoreTrainingState resumes bitwise exactly:
 * checkpoint('./runs/last', { resumable: true, saveBestOnly: false, monitor: 'loss', schedule, rngs: { data: rng } });
 * ```
 */
export function checkpoint(dir: string, options: CheckpointOptions = {}): Checkpoint {
  return new Checkpoint(dir, options);
}
