import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertKnownKeys, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { readLogs, readLogsSync, type CallbackLogs } from './logs.js';

/** A writable text stream (Node's `process.stderr` by default). */
export interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Where to draw. Default `process.stderr`. */
  stream?: TextStream;
  /** Log names to show (default: every log tfjs reports: loss, metrics, val_*, lr). */
  metrics?: string[];
  /** Digits after the point for log values. Default 4. */
  digits?: number;
  /**
   * Print one summary line per epoch. Default: when the stream is not a terminal (CI logs,
   * files), where the bar itself is redrawn only every 5 s.
   */
  epochLines?: boolean;
}

interface BarLike {
  start(total: number, startValue: number, payload?: object): void;
  update(current: number, payload?: object): void;
  stop(): void;
}

// A variable specifier and bundler hints: browser bundles must not pull cli-progress in.
const CLI_PROGRESS = 'cli-progress';

function format(logs: Record<string, number>, names: string[] | undefined, digits: number): string {
  // Training logs first, then validation logs, then the learning rate, whatever order tfjs used.
  const rank = (k: string): number => (k === 'lr' ? 2 : k.startsWith('val_') ? 1 : 0);
  const keys = (names ?? Object.keys(logs).sort((a, b) => rank(a) - rank(b))).filter(
    (k) => k !== 'batch' && k !== 'size' && logs[k] !== undefined,
  );
  return keys.map((k) => `${k} ${k === 'lr' ? logs[k]!.toExponential(2) : logs[k]!.toFixed(digits)}`).join(' ');
}

/**
 * A Node progress-bar callback drawn with `cli-progress` (loaded on first use by a dynamic
 * import, so browser bundles never include it): one bar over all batches of all epochs, with
 * the epoch, the running loss and metrics, the last epoch's validation logs, elapsed time and
 * ETA. Where the stream is not a terminal it prints one line per epoch instead of redrawing.
 *
 * @example `await model.fit(x, y, { epochs: 20, verbose: 0, callbacks: [progressBar()] });`
 */
export class ProgressBar extends tfl.Callback {
  private readonly stream: TextStream | undefined;
  private readonly names: string[] | undefined;
  private readonly digits: number;
  private readonly epochLinesOption: boolean | undefined;
  private bar: BarLike | undefined;
  private stepsPerEpoch = 0;
  private epochs = 0;
  private initialEpoch = 0;
  private epoch = 0;
  private done = 0;
  private lastEpochLogs = '';
  private epochStart = 0;

  constructor(options: ProgressBarOptions = {}) {
    super();
    const fn = 'progressBar';
    assertOptionsObject(fn, options);
    assertKnownKeys(fn, options, ['stream', 'metrics', 'digits', 'epochLines']);
    const { stream, metrics, digits = 4, epochLines } = options;
    if (stream !== undefined && (stream === null || typeof (stream as TextStream).write !== 'function')) {
      fail(fn, 'options.stream', stream, 'a writable stream (with write(text))');
    }
    if (metrics !== undefined && (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string'))) {
      fail(fn, 'options.metrics', metrics, 'an array of log names');
    }
    assertInteger(fn, 'options.digits', digits, { min: 0, max: 20 });
    if (epochLines !== undefined) assertBoolean(fn, 'options.epochLines', epochLines);
    this.stream = stream;
    this.names = metrics;
    this.digits = digits;
    this.epochLinesOption = epochLines;
  }

  private get out(): TextStream {
    if (this.stream !== undefined) return this.stream;
    const proc = (globalThis as { process?: { stderr?: TextStream } }).process;
    if (proc?.stderr === undefined) throw new UnetKitError('progressBar', 'options.stream', 'is undefined and this runtime has no process.stderr; pass a stream.');
    return proc.stderr;
  }

  private get epochLines(): boolean {
    return this.epochLinesOption ?? this.out.isTTY !== true;
  }

  override async onTrainBegin(): Promise<void> {
    const params = (this.params ?? {}) as Record<string, unknown>;
    this.epochs = typeof params.epochs === 'number' ? params.epochs : 1;
    this.initialEpoch = typeof params.initialEpoch === 'number' ? params.initialEpoch : 0;
    const steps = params.steps;
    const samples = params.samples;
    const batchSize = params.batchSize;
    this.stepsPerEpoch =
      typeof steps === 'number' && steps > 0
        ? steps
        : typeof samples === 'number' && typeof batchSize === 'number' && batchSize > 0
          ? Math.ceil(samples / batchSize)
          : 0;
    this.done = 0;
    this.lastEpochLogs = '';
    const imported = (await import(/* @vite-ignore */ /* webpackIgnore: true */ CLI_PROGRESS)) as Record<string, unknown>;
    const cli = (imported.default ?? imported) as {
      SingleBar: new (options: object, preset?: object) => BarLike;
      Presets: Record<string, object>;
    };
    const tty = this.out.isTTY === true;
    this.bar = new cli.SingleBar(
      {
        format: 'epoch {epoch}/{epochs} |{bar}| {percentage}% | {logs}{valLogs} | {duration_formatted} ETA {eta_formatted}',
        stream: this.out,
        hideCursor: tty,
        noTTYOutput: !this.epochLines,
        notTTYSchedule: 5000,
        etaBuffer: Math.max(10, this.stepsPerEpoch),
        barsize: 20,
        fps: 5,
      },
      cli.Presets.shades_classic,
    );
    const total = (this.epochs - this.initialEpoch) * Math.max(1, this.stepsPerEpoch);
    if (tty || !this.epochLines) this.bar.start(total, 0, this.payload(''));
  }

  private payload(logs: string): object {
    return { epoch: this.epoch + 1, epochs: this.epochs, logs, valLogs: this.lastEpochLogs };
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.epochStart = Date.now();
  }

  override async onBatchEnd(_batch: number, logs?: CallbackLogs): Promise<void> {
    if (this.stepsPerEpoch === 0) return;
    this.done += 1;
    this.bar?.update(this.done, this.payload(format(readLogsSync(logs), this.names, this.digits)));
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const values = await readLogs(logs);
    const text = format(values, this.names, this.digits);
    this.lastEpochLogs = '';
    if (this.stepsPerEpoch === 0) this.done += 1;
    else this.done = (epoch + 1 - this.initialEpoch) * this.stepsPerEpoch;
    if (this.epochLines) {
      const seconds = ((Date.now() - this.epochStart) / 1000).toFixed(1);
      this.out.write(`epoch ${epoch + 1}/${this.epochs} ${text} (${seconds} s)\n`);
    } else {
      this.bar?.update(this.done, this.payload(text));
    }
  }

  override async onTrainEnd(): Promise<void> {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/**
 * A {@link ProgressBar} callback for `model.fit` in Node.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 20, callbacks: [progressBar()] });
 * // epoch 3/20 |██████░░░░░░░░░░░░░░| 30% | loss 0.2314 dice 0.8812 | 12s ETA 28s
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBar {
  return new ProgressBar(options);
}
