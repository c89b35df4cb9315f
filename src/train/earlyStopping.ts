import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import { checkMonitor, checkMonitorAvailable, improves, monitoredValue, readLogs, resolveMode, type CallbackLogs, type MonitorMode } from './logs.js';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Log to watch. Default `'val_loss'`. */
  monitor?: string;
  /** `'min'`, `'max'` or `'auto'` (default: `'max'` for dice/iou/acc-like names, else `'min'`). */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Stop after this many epochs in a row without improvement (Keras' convention). Default 10. */
  patience?: number;
  /** Put the best epoch's weights back in the model when training ends. Default true. */
  restoreBestWeights?: boolean;
  /** Print a line when stopping / restoring. Default false. */
  verbose?: boolean;
}

/**
 * Stops training when a monitored log has not improved for `patience` epochs, and (unlike
 * tfjs' own `tf.callbacks.earlyStopping`) restores the weights of the best epoch when training
 * ends, like Keras' `EarlyStopping(restore_best_weights=True)`. The best weights are kept as
 * tensor copies (all weights, batch-norm statistics included) and disposed after restoring.
 *
 * @example `await model.fit(x, y, { validationSplit: 0.2, epochs: 100, callbacks: [earlyStopping({ patience: 10 })] });`
 */
export class EarlyStopping extends tfl.Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly verbose: boolean;
  /** Best monitored value so far. */
  best = Infinity;
  /** Epoch of {@link best} (-1 before the first epoch ends). */
  bestEpoch = -1;
  /** Epoch training stopped at (-1 when it ran to the end). */
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: tf.Tensor[] | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const fn = 'earlyStopping';
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['monitor', 'mode', 'minDelta', 'patience', 'restoreBestWeights', 'verbose']);
    const { monitor = 'val_loss', mode = 'auto', minDelta = 0, patience = 10, restoreBestWeights = true, verbose = false } = options;
    checkMonitor(fn, monitor, minDelta);
    assertInteger(fn, 'options.patience', patience, { min: 0 });
    assertBoolean(fn, 'options.restoreBestWeights', restoreBestWeights);
    assertBoolean(fn, 'options.verbose', verbose);
    this.monitor = monitor;
    this.mode = resolveMode(fn, monitor, mode);
    this.minDelta = minDelta;
    this.patience = patience;
    this.restoreBestWeights = restoreBestWeights;
    this.verbose = verbose;
  }

  override async onTrainBegin(): Promise<void> {
    checkMonitorAvailable('earlyStopping', this.monitor, this.params);
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.dropSnapshot();
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const value = monitoredValue('earlyStopping', this.monitor, await readLogs(logs));
    // A NaN or infinite epoch is never the best (a NaN first epoch would otherwise stay best
    // and be restored); it counts as an epoch without improvement.
    if (Number.isFinite(value) && (improves(value, this.best, this.mode, this.minDelta) || this.bestEpoch < 0)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.dropSnapshot();
        this.bestWeights = this.model.getWeights().map((w) => tf.clone(w));
      }
      return;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.verbose) console.log(`earlyStopping: no improvement of ${this.monitor} for ${this.wait} epochs; stopping at epoch ${epoch + 1}.`);
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.restoreBestWeights && this.bestWeights !== undefined) {
      this.model.setWeights(this.bestWeights);
      if (this.verbose) console.log(`earlyStopping: restored the weights of epoch ${this.bestEpoch + 1} (${this.monitor} ${this.best}).`);
    }
    this.dropSnapshot();
  }

  private dropSnapshot(): void {
    if (this.bestWeights !== undefined) tf.dispose(this.bestWeights);
    this.bestWeights = undefined;
  }
}

/**
 * An {@link EarlyStopping} callback: stop after `patience` epochs without improvement of
 * `monitor`, then restore the best weights.
 *
 * @example
 * ```ts
 * const stop = earlyStopping({ monitor: 'val_loss', patience: 5 });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * console.log(stop.bestEpoch, stop.best);
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}
