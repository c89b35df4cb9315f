/** Where the commands write: lines for results, a stream for progress bars. */
export interface CliIO {
  log: (line: string) => void;
  /** Progress bars (cli-progress); `process.stderr` in the binary. */
  progress: { write(chunk: string): unknown; isTTY?: boolean };
}

/** A one-line text progress bar for work outside `fit` (prediction windows, evaluation). */
export function progressLine(io: CliIO, label: string): { update(done: number, total: number): void; done(): void } {
  const tty = io.progress.isTTY === true;
  let last = -1;
  return {
    update(done, total) {
      const pct = Math.floor((100 * done) / Math.max(total, 1));
      if (!tty) return;
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((width * done) / Math.max(total, 1));
      io.progress.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    done() {
      if (tty) io.progress.write('\n');
    },
  };
}
