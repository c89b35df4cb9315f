import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertKnownKeys, assertOptionsObject } from '../core/assert.js';
import { readLogs, type CallbackLogs } from './logs.js';

/** Options of {@link terminateOnNaN}. */
export interface TerminateOnNaNOptions {
  /** Print a line when stopping. Default false. */
  verbose?: boolean;
}

/**
 * Stops `fit` at the first batch whose loss is NaN or infinite, like Keras' `TerminateOnNaN`:
 * a diverged run otherwise trains every remaining epoch and ends with every weight NaN. Put it
 * before `checkpoint` / `earlyStopping` in the callback list; those never save or restore a
 * non-finite state either. tfjs stops after the batch that set `model.stopTraining`.
 *
 * @example
 * ```ts
 * const nan = terminateOnNaN();
 * await model.fit(x, y, { epochs: 50, callbacks: [nan] });
 * if (nan.stoppedBatch >= 0) console.log(`diverged at epoch ${nan.stoppedEpoch + 1}`);
 * ```
 */
export class TerminateOnNaN extends tfl.Callback {
  readonly verbose: boolean;
  /** Epoch of the non-finite loss (-1 when training ran to the end). */
  stoppedEpoch = -1;
  /** Batch (within {@link stoppedEpoch}) of the non-finite loss, -1 when none. */
  stoppedBatch = -1;
  /** The non-finite loss seen (NaN when none). */
  value = Number.NaN;
  private epoch = 0;

  constructor(options: TerminateOnNaNOptions = {}) {
    super();
    const fn = 'terminateOnNaN';
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['verbose']);
    const { verbose = false } = options;
    assertBoolean(fn, 'options.verbose', verbose);
    this.verbose = verbose;
  }

  override async onTrainBegin(): Promise<void> {
    this.stoppedEpoch = -1;
    this.stoppedBatch = -1;
    this.value = Number.NaN;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs?: CallbackLogs): Promise<void> {
    const loss = (await readLogs(logs)).loss;
    if (loss === undefined || Number.isFinite(loss) || this.stoppedBatch >= 0) return;
    this.stoppedEpoch = this.epoch;
    this.stoppedBatch = batch;
    this.value = loss;
    this.model.stopTraining = true;
    if (this.verbose) console.log(`terminateOnNaN: loss is ${loss} at epoch ${this.epoch + 1}, batch ${batch + 1}; stopping.`);
  }
}

/**
 * A {@link TerminateOnNaN} callback: stop training at the first NaN or infinite batch loss.
 *
 * @example `await model.fit(x, y, { epochs: 20, callbacks: [terminateOnNaN(), checkpoint('./runs/best')] });`
 */
export function terminateOnNaN(options: TerminateOnNaNOptions = {}): TerminateOnNaN {
  return new TerminateOnNaN(options);
}
