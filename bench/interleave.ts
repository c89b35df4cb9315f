// Same-round ratios against PyTorch on a machine whose speed drifts: this project's VM loses
// 0-40% of its CPU to the host ("steal" in /proc/stat) from minute to minute, so one run of each
// side, minutes apart, can move a ratio by 3x. Each round runs the unet-kit rows and PyTorch back
// to back and keeps their ratio; the median over rounds is the figure to quote, the spread says how
// much to trust it, and each row carries the steal share it ran under.
import { readFileSync } from 'node:fs';

/** Host steal share of all CPU time since `from` (a /proc/stat sample), or null off Linux. */
export interface CpuSample {
  total: number;
  steal: number;
}

/** The aggregate "cpu" line of /proc/stat: total jiffies and the steal column (8th). */
export function cpuSample(): CpuSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Steal over the interval between two samples, as a fraction (0..1), or null. */
export function stealShare(from: CpuSample | null, to: CpuSample | null): number | null {
  if (from === null || to === null || to.total <= from.total) return null;
  return +((to.steal - from.steal) / (to.total - from.total)).toFixed(3);
}

/** Median of the finite numbers in `values`, or null when there are none. */
export function median(values: Array<number | null | undefined>): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : +((v[mid - 1]! + v[mid]!) / 2).toFixed(3);
}

/** One round: each contender's row and its time over PyTorch's in the same round. */
export interface Round {
  net: string;
  round: number;
  rows: Record<string, unknown>[];
  ratios: Record<string, { forward: number | null; train: number | null }>;
}

/** Label of a row in the ratio tables: backend and threads. */
export function contender(row: Record<string, unknown>): string {
  return `${String(row.backend)}${row.threads !== undefined ? ` ${String(row.threads)}t` : ''}`;
}

/** Runs `rounds` rounds per net of `contenders` then PyTorch, and the median ratios over rounds. */
export function interleave(
  nets: string[],
  rounds: number,
  contenders: Array<Record<string, unknown>>,
  runCase: (args: Record<string, unknown>) => Record<string, unknown>,
  runTorch: (net: string) => Record<string, unknown>,
  log: (line: string) => void,
): { rounds: Round[]; summary: Record<string, unknown>[] } {
  const all: Round[] = [];
  const timed = (run: () => Record<string, unknown>): Record<string, unknown> => {
    const from = cpuSample();
    const row = run();
    row.hostSteal = stealShare(from, cpuSample());
    return row;
  };
  for (const net of nets) {
    for (let round = 1; round <= rounds; round++) {
      const rows = contenders.map((c) => {
        log(`bench: interleaved round ${round}/${rounds}, ${net} ${contender(c)} ...`);
        return timed(() => runCase({ ...c, net }));
      });
      log(`bench: interleaved round ${round}/${rounds}, ${net} pytorch ...`);
      const torch = timed(() => runTorch(net));
      const ratio = (r: Record<string, unknown>, key: string): number | null =>
        typeof r[key] === 'number' && typeof torch[key] === 'number' ? +((r[key] as number) / (torch[key] as number)).toFixed(2) : null;
      const ratios = Object.fromEntries(rows.map((r) => [contender(r), { forward: ratio(r, 'forwardMs'), train: ratio(r, 'trainStepMs') }]));
      all.push({ net, round, rows: [...rows, torch], ratios });
    }
  }
  const summary: Record<string, unknown>[] = [];
  for (const net of nets) {
    const mine = all.filter((r) => r.net === net);
    const names = Object.keys(mine[0]?.ratios ?? {});
    for (const name of names) {
      const forward = mine.map((r) => r.ratios[name]?.forward ?? null);
      const train = mine.map((r) => r.ratios[name]?.train ?? null);
      const finite = (v: Array<number | null>) => v.filter((x): x is number => x !== null);
      summary.push({
        net,
        contender: name,
        forwardVsPytorch: { median: median(forward), min: Math.min(...finite(forward)), max: Math.max(...finite(forward)) },
        trainStepVsPytorch: { median: median(train), min: Math.min(...finite(train)), max: Math.max(...finite(train)) },
        hostSteal: median(mine.flatMap((r) => r.rows.map((x) => x.hostSteal as number | null))),
      });
    }
  }
  return { rounds: all, summary };
}
