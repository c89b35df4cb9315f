import * as tfl from '@tensorflow/tfjs-layers';
import { assertKnownKeys, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { importNodeBuiltin, isNode } from '../core/platform.js';
import { UnetKitError } from '../core/errors.js';
import { readLogs, type CallbackLogs } from './logs.js';

/** Options of {@link metricsLog}. */
export interface MetricsLogOptions {
  /** `'json'` (an array of rows) or `'csv'`. Default: from the file extension (`.csv` -> csv), else json. */
  format?: 'json' | 'csv';
}

/** One epoch of a {@link MetricsLog}: `epoch` (1-based), `seconds` since training began, and every log. */
export type MetricsRow = Record<string, number>;

/**
 * Renders rows as CSV with the union of their keys as header (missing cells empty).
 *
 * @example `rowsToCsv([{ epoch: 1, loss: 0.5 }, { epoch: 2, lr: 0.1 }])` is `'epoch,loss,lr\n1,0.5,\n2,,0.1\n'`.
 */
export function rowsToCsv(rows: readonly MetricsRow[]): string {
  const keys: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
  const lines = [keys.join(',')];
  for (const row of rows) lines.push(keys.map((k) => (row[k] === undefined ? '' : String(row[k]))).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * Records every epoch's logs (loss, metrics, `val_*`, `lr` from a schedule) with the epoch number
 * and elapsed seconds in {@link MetricsLog.rows}, and, given a path, rewrites a JSON or CSV file
 * after each epoch (Node file system, loaded on first use) so a crashed run still leaves its log.
 *
 * @example `await model.fit(x, y, { epochs: 10, callbacks: [metricsLog('out/log.csv')] });`
 */
export class MetricsLog extends tfl.Callback {
  /** The rows recorded so far. */
  readonly rows: MetricsRow[] = [];
  readonly path: string | undefined;
  readonly format: 'json' | 'csv';
  private start = 0;

  constructor(path?: string, options: MetricsLogOptions = {}) {
    super();
    const fn = 'metricsLog';
    if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) fail(fn, 'path', path, 'a file path or undefined (memory only)');
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['format']);
    const format = options.format ?? (path?.toLowerCase().endsWith('.csv') === true ? 'csv' : 'json');
    assertOneOf(fn, 'options.format', format, ['json', 'csv'] as const);
    this.path = path;
    this.format = format;
  }

  override async onTrainBegin(): Promise<void> {
    if (this.start === 0) this.start = Date.now();
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const values = await readLogs(logs);
    this.rows.push({ epoch: epoch + 1, seconds: Math.round((Date.now() - this.start) / 10) / 100, ...values });
    if (this.path !== undefined) await this.write(this.path);
  }

  private async write(path: string): Promise<void> {
    if (!isNode()) {
      throw new UnetKitError('metricsLog', 'path', `is '${path}', but writing files needs Node.js; omit the path and read .rows.`);
    }
    const fs = await importNodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    const nodePath = await importNodeBuiltin<typeof import('node:path')>('path');
    await fs.mkdir(nodePath.dirname(path), { recursive: true });
    const text = this.format === 'csv' ? rowsToCsv(this.rows) : `${JSON.stringify(this.rows, null, 2)}\n`;
    await fs.writeFile(path, text);
  }
}

/**
 * A {@link MetricsLog} callback.
 *
 * @param path - JSON or CSV file to (re)write after each epoch; omit to keep rows in memory only.
 * @example
 * ```ts
 * const log = metricsLog('out/metrics.csv');
 * await model.fit(x, y, { epochs: 10, callbacks: [log] });
 * log.rows.at(-1)?.loss; // the last epoch's loss
 * ```
 */
export function metricsLog(path?: string, options: MetricsLogOptions = {}): MetricsLog {
  return new MetricsLog(path, options);
}
