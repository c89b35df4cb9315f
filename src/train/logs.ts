import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { closestMatch } from '../core/didYouMean.js';
import { assertNumber, assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

/** Logs as tfjs hands them to callbacks: numbers or (not yet read) scalar tensors. */
export type CallbackLogs = Record<string, number | tf.Tensor | undefined>;

/** Whether a smaller or a larger monitored value is better; `'auto'` guesses from the name. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** The monitor modes accepted by {@link EarlyStopping} and {@link Checkpoint}. */
export const MONITOR_MODES: readonly MonitorMode[] = ['min', 'max', 'auto'];

/**
 * Reads tfjs callback logs to plain numbers without touching them (tfjs disposes its own
 * tensors). Internal helper.
 */
export async function readLogs(logs: CallbackLogs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (logs === undefined || logs === null) return out;
  for (const [key, value] of Object.entries(logs)) {
    if (typeof value === 'number') out[key] = value;
    else if (value instanceof tf.Tensor && !value.isDisposed && value.size === 1) out[key] = (await value.data())[0]!;
  }
  return out;
}

/** Reads logs synchronously (for per-batch hooks, where tfjs hands scalar tensors). Internal helper. */
export function readLogsSync(logs: CallbackLogs | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (logs === undefined || logs === null) return out;
  for (const [key, value] of Object.entries(logs)) {
    if (typeof value === 'number') out[key] = value;
    else if (value instanceof tf.Tensor && !value.isDisposed && value.size === 1) out[key] = value.dataSync()[0]!;
  }
  return out;
}

/**
 * `'min'` or `'max'` for a monitored quantity: `'auto'` is `'max'` for names that are scores
 * (accuracy, dice, iou, auc, f1, precision, recall), else `'min'` (Keras' rule, extended to
 * segmentation scores).
 */
export function resolveMode(fn: string, monitor: string, mode: unknown): 'min' | 'max' {
  assertOneOf(fn, 'options.mode', mode, MONITOR_MODES);
  if (mode !== 'auto') return mode;
  return /acc|dice|iou|jaccard|auc|f1|fbeta|precision|recall|score/i.test(monitor) && !/loss/i.test(monitor) ? 'max' : 'min';
}

/** The monitored value from resolved logs, or an error that lists the keys there are. Internal helper. */
export function monitoredValue(fn: string, monitor: string, logs: Record<string, number>): number {
  const value = logs[monitor];
  if (value === undefined) {
    const keys = Object.keys(logs);
    const suggestion = closestMatch(monitor, keys);
    throw new UnetKitError(
      fn,
      'options.monitor',
      `is '${monitor}', which is not in the epoch logs (${keys.length > 0 ? keys.join(', ') : 'none'}).${
        suggestion !== undefined ? ` Did you mean '${suggestion}'?` : ''
      }${monitor.startsWith('val_') ? ' Pass validationData or validationSplit to fit for val_ metrics.' : ''}`,
    );
  }
  return value;
}

/**
 * Checks at train begin, from the log names tfjs announces in the callback params (`metrics`:
 * the loss, the compiled metrics and their `val_` twins when fit validates), that `monitor` can
 * appear, so a mistake fails before the first epoch's work rather than after it: a typo of an
 * announced name, or a `val_` name of an announced log when fit has no validation data. Other
 * names pass: a callback earlier in the list may add them to the epoch logs (checked then).
 * Internal helper.
 */
export function checkMonitorAvailable(fn: string, monitor: string, params: unknown): void {
  const { metrics: names, doValidation } = (params ?? {}) as { metrics?: unknown; doValidation?: unknown };
  if (!Array.isArray(names) || names.length === 0 || names.includes(monitor)) return;
  const announced = names as string[];
  const missingValidation = doValidation !== true && monitor.startsWith('val_') && announced.includes(monitor.slice(4));
  if (missingValidation || closestMatch(monitor, announced) !== undefined) monitoredValue(fn, monitor, Object.fromEntries(announced.map((n) => [n, 0])));
}

/** Whether every weight of `model` is finite (one scalar read). Internal helper. */
export function weightsAreFinite(model: tfl.LayersModel): boolean {
  if (model.weights.length === 0) return true;
  const all = tf.tidy(() => tf.all(tf.stack(model.weights.map((w) => tf.all(tf.isFinite(w.read()))))));
  const ok = all.dataSync()[0] === 1;
  all.dispose();
  return ok;
}

/** True when `current` beats `best` by more than `minDelta` in direction `mode`. Internal helper. */
export function improves(current: number, best: number, mode: 'min' | 'max', minDelta: number): boolean {
  if (Number.isNaN(current)) return false;
  return mode === 'min' ? current < best - minDelta : current > best + minDelta;
}

/** Validates a monitor name and minDelta. Internal helper. */
export function checkMonitor(fn: string, monitor: unknown, minDelta: unknown): void {
  if (typeof monitor !== 'string' || monitor === '') {
    throw new UnetKitError(fn, 'options.monitor', `is ${String(monitor)}; expected a log name such as 'val_loss' or 'loss'.`);
  }
  assertNumber(fn, 'options.minDelta', minDelta, { min: 0 });
}
