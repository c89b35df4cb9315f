// unet-kit kernel bench: forward and train step of a 2D U-Net (4 poolings, 16..256 filters,
// conv + BN + ReLU, batch 4x128x128x1) and a 3D U-Net (3 poolings, 8..64 filters, 2x64^3x1) on
// each backend, with tfjs' stock kernels and with unet-kit's kernel layer (installKernels), plus
// threaded wasm (useBackend('wasm', { threads })) and sliding-window inference rows. Each
// configuration runs in its own process (bench/case.ts, bench/slidingWindow.ts); every row has
// its peak RSS and GFLOP/s. Prints one JSON document (a `table` of the rows and `vsPytorch`
// ratios at its end) and writes it to bench/results/kernels-<time>.json.
//
//   npm run bench                                  # tensorflow (where present), wasm, cpu; both nets
//   npm run bench -- --backends wasm --reps 5      # wasm only
//   npm run bench -- --threads 4                   # the threaded wasm rows on 4 threads (0: none)
//   npm run bench -- --skip-stock                  # only unet-kit's kernels
//   npm run bench -- --nets 2d --stock-cpu-train   # include the stock cpu train step (minutes)
//   npm run bench -- --cpu-3d                      # include the cpu backend's 3D rows (minutes)
//   npm run bench -- --stock-wasm-3d               # include stock wasm's 3D forward (minutes)
//   npm run bench -- --sliding-window 2            # also the 512x512x300 volume (0: no such rows)
//   npm run bench -- --profile                     # per-kernel times of one train step
//   npm run bench -- --data-parallel 2             # plus a row per net: wasm, 2 worker threads
//   npm run bench -- --no-browser                  # without the headless-Chromium rows (bench/browser.ts)
//   npm run bench -- --browser-gpu                 # plus Chromium's WebGL and WebGPU rows (software here: slow)
//   npm run bench -- --backends tensorflow         # tfjs-node (installed or provisioned)
//   npm run bench -- --interleave 5                # only the PyTorch comparison: 5 rounds of
//                                                  # tensorflow, wasm (threads) and PyTorch back
//                                                  # to back, median same-round ratios, host steal
// The browser rows (on by default: wasm on one thread in a plain page and threaded in a
// cross-origin isolated one, headless Chromium, the page bundled from dist/) say `skipped` where
// dist/ is missing or no Chromium launches. The tensorflow rows run where tfjs-node can be loaded; the PyTorch rows (optional, never
// needed) where a Python with torch is found: UNET_KIT_TORCH_PYTHON,
// ~/.cache/unet-kit/torch-venv, python3.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensorflowAvailability } from '../test/helpers/tensorflowBackend.js';
import { interleave } from './interleave.js';

interface Options {
  backends: string[];
  nets: string[];
  reps: number;
  stockCpuTrain: boolean;
  profile: boolean;
  dataParallel: number;
  threads: number;
  skipStock: boolean;
  cpu3d: boolean;
  stockWasm3d: boolean;
  slidingWindow: number;
  /** Rounds of the interleaved PyTorch comparison (0: the normal bench). */
  interleave: number;
  /** The headless-Chromium wasm rows (bench/browser.ts). */
  browser: boolean;
  /** Also Chromium's WebGL and WebGPU rows. */
  browserGpu: boolean;
}

// 3D U-Net at 2x64^3 on the plain JavaScript backend: about 30 s a forward, minutes a step.
const CPU_3D_SKIPPED = 'skipped (the cpu backend takes minutes on the 2x64^3 net; --cpu-3d to run it)';
// tfjs' stock wasm Conv3D runs at about 0.6 GFLOP/s (half a minute a forward at 2x64^3), and its
// train step fails (no Conv3D gradients on wasm).
const STOCK_WASM_3D_SKIPPED = 'skipped (stock wasm Conv3D: about 30 s a forward at 2x64^3, no gradient; --stock-wasm-3d to run it)';

function parseArgs(argv: string[]): Options {
  const options: Options = {
    backends: tensorflowAvailability().available ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu'],
    nets: ['2d', '3d'],
    reps: 3,
    stockCpuTrain: false,
    profile: false,
    dataParallel: 0,
    threads: Math.min(8, cpus().length),
    skipStock: false,
    cpu3d: false,
    stockWasm3d: false,
    slidingWindow: 1,
    interleave: 0,
    browser: true,
    browserGpu: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`bench: ${arg} needs a value`);
      return value;
    };
    if (arg === '--backends') options.backends = next().split(',');
    else if (arg === '--nets') options.nets = next().split(',');
    else if (arg === '--reps') options.reps = Math.max(1, Number.parseInt(next(), 10));
    else if (arg === '--stock-cpu-train') options.stockCpuTrain = true;
    else if (arg === '--skip-stock-cpu') options.stockCpuTrain = false;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--data-parallel') options.dataParallel = Math.max(1, Number.parseInt(next(), 10));
    else if (arg === '--threads') options.threads = Math.min(8, Math.max(0, Number.parseInt(next(), 10)));
    else if (arg === '--skip-stock') options.skipStock = true;
    else if (arg === '--cpu-3d') options.cpu3d = true;
    else if (arg === '--stock-wasm-3d') options.stockWasm3d = true;
    else if (arg === '--sliding-window') options.slidingWindow = Math.max(0, Number.parseInt(next(), 10));
    else if (arg === '--interleave') options.interleave = Math.max(1, Number.parseInt(next(), 10));
    else if (arg === '--no-browser') options.browser = false;
    else if (arg === '--browser-gpu') options.browserGpu = true;
    else {
      throw new Error(
        `bench: unknown flag ${arg}; use --backends cpu,wasm --nets 2d,3d --reps N --threads N --skip-stock --stock-cpu-train --skip-stock-cpu --cpu-3d --stock-wasm-3d --sliding-window 0|1 --profile --data-parallel N --interleave N --no-browser --browser-gpu`,
      );
    }
  }
  return options;
}

const here = dirname(fileURLToPath(import.meta.url));

function runCase(args: Record<string, unknown>): Record<string, unknown> {
  return runScript('case.ts', [JSON.stringify(args)], args);
}

function runScript(script: string, argv: string[], args: Record<string, unknown>): Record<string, unknown> {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, script), ...argv], {
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // case.ts prints one JSON line; slidingWindow.ts one indented document.
    const text = out.trim();
    const start = text.startsWith('{') && !text.includes('\n{') ? 0 : text.lastIndexOf('\n{') + 1;
    return JSON.parse(text.slice(start)) as Record<string, unknown>;
  } catch (e) {
    return { ...args, error: String((e as Error).message).split('\n')[0]!.slice(0, 200) };
  }
}

/** A Python that imports torch, or undefined (the PyTorch rows are optional). */
function torchPython(): string | undefined {
  const candidates = [process.env.UNET_KIT_TORCH_PYTHON, join(homedir(), '.cache', 'unet-kit', 'torch-venv', 'bin', 'python'), 'python3'];
  for (const python of candidates) {
    if (python === undefined || python === '' || (python.includes('/') && !existsSync(python))) continue;
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return python;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

function runTorch(python: string, net: string, reps: number): Record<string, unknown> {
  try {
    const out = execFileSync(python, [join(here, 'torch_unet.py'), JSON.stringify({ net, reps, threads: cpus().length })], {
      encoding: 'utf8',
      timeout: 10 * 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  } catch (e) {
    return { net, backend: 'pytorch', error: String((e as Error).message).split('\n')[0]!.slice(0, 200) };
  }
}

/** Each unet-kit row's time over PyTorch's, for the same net, measured in this run. */
function ratios(results: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const torch of results.filter((r) => String(r.backend).startsWith('pytorch') && typeof r.trainStepMs === 'number')) {
    for (const r of results.filter((x) => x.net === torch.net && x.kernels === true)) {
      const ratio = (key: string) => (typeof r[key] === 'number' ? +((r[key] as number) / (torch[key] as number)).toFixed(2) : null);
      out.push({
        net: r.net,
        backend: r.backend,
        ...(r.threads !== undefined ? { threads: r.threads } : {}),
        ...(r.crossOriginIsolated !== undefined ? { crossOriginIsolated: r.crossOriginIsolated } : {}),
        ...(r.dataParallelWorkers !== undefined ? { dataParallelWorkers: r.dataParallelWorkers } : {}),
        forwardVsPytorch: ratio('forwardMs'),
        trainStepVsPytorch: ratio('trainStepMs'),
      });
    }
  }
  return out;
}

/** The sliding-window rows: the engine over a volume with a tiny 3D conv predictor (bench/slidingWindow.ts). */
const SLIDING_WINDOW_CASES = [
  { size: '96,256,256', roi: 64, net: 'conv3', batch: 4 },
  // The issue's volume: 512x512x300, 96^3 windows, overlap 0.5 (600 windows), under 2 GB.
  { size: '300,512,512', roi: 96, net: 'conv1', batch: 4 },
];
// Multiply-adds x 2 per voxel of a window: conv3 is a 3x3x3 conv 1 -> 4 and a 1x1x1 conv 4 -> 2.
const SLIDING_WINDOW_FLOPS_PER_VOXEL: Record<string, number> = { conv3: 2 * (27 * 4 + 4 * 2), conv1: 2 * 2 };

function slidingWindowRows(options: Options): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  if (options.slidingWindow === 0 || !options.backends.includes('wasm')) return rows;
  const threadCounts = options.threads > 1 ? [1, options.threads] : [1];
  for (const c of SLIDING_WINDOW_CASES.slice(0, options.slidingWindow)) {
    for (const threads of threadCounts) {
      process.stderr.write(`bench: sliding window ${c.size} roi ${c.roi} wasm ${threads} thread(s) ...\n`);
      const argv = ['--backend', 'wasm', '--threads', String(threads), '--size', c.size, '--roi', String(c.roi), '--net', c.net, '--batch', String(c.batch)];
      const r = runScript('slidingWindow.ts', argv, { bench: 'slidingWindowInference', ...c, threads });
      if (typeof r.windows === 'number' && typeof r.seconds === 'number') {
        r.gflops = +((r.windows * c.roi ** 3 * SLIDING_WINDOW_FLOPS_PER_VOXEL[c.net]!) / r.seconds / 1e9).toFixed(2);
      }
      rows.push(r);
    }
  }
  return rows;
}

/** The headless-Chromium rows (bench/browser.ts, its own process); one error row if it fails. */
function browserBenchRows(options: Options): Record<string, unknown>[] {
  if (!options.browser) return [];
  process.stderr.write('bench: headless Chromium rows ...\n');
  const args = { nets: options.nets, reps: options.reps, gpu: options.browserGpu };
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'browser.ts'), JSON.stringify(args)], {
      encoding: 'utf8',
      timeout: 30 * 60_000,
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rows?: Record<string, unknown>[] }).rows ?? [];
  } catch (e) {
    return [{ backend: 'chromium', error: String((e as Error).message).split('\n')[0]!.slice(0, 200) }];
  }
}

/** The GFLOP/s of a PyTorch row, from the forward FLOPs unet-kit counted for the same net. */
function addTorchGflops(results: Record<string, unknown>[]): void {
  for (const torch of results.filter((r) => String(r.backend).startsWith('pytorch'))) {
    const twin = results.find((r) => r.net === torch.net && typeof r.forwardGflop === 'number');
    if (twin === undefined) continue;
    const gflop = twin.forwardGflop as number;
    torch.forwardGflop = gflop;
    if (typeof torch.forwardMs === 'number') torch.forwardGflops = +(gflop / torch.forwardMs * 1e3).toFixed(2);
    if (typeof torch.trainStepMs === 'number') torch.trainGflops = +((3 * gflop) / torch.trainStepMs * 1e3).toFixed(2);
  }
}

/** One line per row: what the README's table shows. */
function table(results: Record<string, unknown>[]): string[] {
  const num = (v: unknown, unit = ''): string =>
    typeof v === 'number' ? `${v}${unit}` : typeof v === 'string' ? v.split(' ')[0]! : Array.isArray(v) ? v.join('x') : '-';
  return results
    .filter((r) => r.skipped === undefined)
    .map((r) => {
      if (r.bench === 'slidingWindowInference') {
        return `sliding window ${num(r.size)} roi ${num(r.roi)} ${num(r.net)} | wasm ${num(r.threads)}t | ${num(r.windowsPerSecond)} windows/s | ${num(r.gflops)} GFLOP/s | peak RSS ${num(r.peakRssMb, ' MiB')}${r.error !== undefined ? ` | error ${String(r.error)}` : ''}`;
      }
      const who = String(r.backend).startsWith('pytorch')
        ? String(r.backend)
        : `${String(r.backend)}${r.threads !== undefined ? ` ${num(r.threads)}t` : ''}${r.crossOriginIsolated === true ? ' isolated' : ''}${r.software === true ? ' (software)' : ''}${r.dataParallelWorkers !== undefined ? ` ${num(r.dataParallelWorkers)} workers` : ''} ${r.kernels === true ? 'unet-kit' : 'stock'}`;
      return `${num(r.net)} | ${who} | fwd ${num(r.forwardMs, ' ms')} (${num(r.forwardGflops)} GFLOP/s) | train ${num(r.trainStepMs, ' ms')} (${num(r.trainGflops)} GFLOP/s) | peak RSS ${num(r.peakRssMb, ' MiB')}${r.error !== undefined ? ` | error ${String(r.error)}` : ''}`;
    });
}

/** `--interleave N`: same-round ratios of tensorflow and wasm against PyTorch (bench/interleave.ts). */
function interleaved(options: Options): void {
  const python = torchPython();
  if (python === undefined) throw new Error('bench: --interleave needs a Python with torch (UNET_KIT_TORCH_PYTHON or ~/.cache/unet-kit/torch-venv)');
  const loadBefore = loadavg().map((l) => +l.toFixed(2));
  const contenders: Array<Record<string, unknown>> = [];
  for (const backend of options.backends.filter((b) => b !== 'cpu')) {
    if (backend === 'tensorflow' && !tensorflowAvailability().available) continue;
    const base = { backend, kernels: true, reps: options.reps, forward: true, train: true, profile: false };
    if (backend !== 'wasm') contenders.push(base);
    else for (const threads of options.threads > 1 ? [1, options.threads] : [1]) contenders.push({ ...base, threads });
  }
  const result = interleave(options.nets, options.interleave, contenders, runCase, (net) => runTorch(python, net, Math.max(options.reps, 5)), (line) => process.stderr.write(`${line}\n`));
  const doc = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: { before: loadBefore, after: loadavg().map((l) => +l.toFixed(2)) }, ...result };
  const json = JSON.stringify(doc, null, 2);
  process.stdout.write(`${json}\n`);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `interleaved-${doc.date.replace(/[:.]/g, '-')}.json`), json);
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (options.interleave > 0) return interleaved(options);
  const loadBefore = loadavg().map((l) => +l.toFixed(2));
  const results: Record<string, unknown>[] = [];
  for (const net of options.nets) {
    for (const backend of options.backends) {
      if (backend === 'cpu' && net === '3d' && !options.cpu3d) {
        results.push({ net, backend, skipped: CPU_3D_SKIPPED });
        continue;
      }
      for (const kernels of options.skipStock ? [true] : [false, true]) {
        // The stock cpu train step of the 2D net is a naive filter-gradient loop (~490 s).
        const slowStock = backend === 'cpu' && !kernels && net === '2d' && !options.stockCpuTrain;
        if (backend === 'wasm' && !kernels && net === '3d' && !options.stockWasm3d) {
          results.push({ net, backend, kernels, skipped: STOCK_WASM_3D_SKIPPED });
          continue;
        }
        const reps = backend === 'cpu' ? 1 : options.reps;
        const args = { backend, kernels, net, reps, forward: true, train: !slowStock, profile: options.profile && kernels, ...(backend === 'wasm' ? { threads: 1 } : {}) };
        process.stderr.write(`bench: ${net} ${backend} ${kernels ? 'unet-kit kernels' : 'stock'} ...\n`);
        const result = runCase(args);
        if (slowStock) result.trainStepMs = 'skipped (stock cpu filter gradient takes minutes; --stock-cpu-train to run it)';
        results.push(result);
      }
      if (backend === 'wasm' && options.threads > 1) {
        const args = { backend, kernels: true, net, reps: options.reps, forward: true, train: true, profile: options.profile, threads: options.threads };
        process.stderr.write(`bench: ${net} wasm unet-kit kernels, ${options.threads} threads ...\n`);
        results.push(runCase(args));
      }
    }
    if (options.dataParallel > 0 && options.backends.includes('wasm')) {
      const args = { backend: 'wasm', kernels: true, net, reps: options.reps, forward: true, train: true, profile: false, dataParallel: options.dataParallel };
      process.stderr.write(`bench: ${net} wasm unet-kit kernels, ${options.dataParallel} worker threads ...\n`);
      results.push(runCase(args));
    }
  }
  results.push(...slidingWindowRows(options));
  results.push(...browserBenchRows(options));
  const python = torchPython();
  for (const net of options.nets) {
    if (python === undefined) {
      results.push({ net, backend: 'pytorch', skipped: 'no Python with torch (set UNET_KIT_TORCH_PYTHON); the PyTorch rows are optional' });
      continue;
    }
    process.stderr.write(`bench: ${net} pytorch (${python}) ...\n`);
    results.push(runTorch(python, net, Math.max(options.reps, 5)));
  }
  addTorchGflops(results);
  if (!tensorflowAvailability().available) {
    const where = tensorflowAvailability();
    results.push({ backend: 'tensorflow', skipped: where.available ? '' : where.reason });
  }
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverage: { before: loadBefore, after: loadavg().map((l) => +l.toFixed(2)) },
    note:
      "ms are medians over reps after one warm-up; *CpuMs is this process' CPU time, all its threads (steadier on a shared machine for one thread); " +
      'GFLOP/s use the smaller of the two; train GFLOP/s count 3x the forward multiply-adds; peakRssMb is the process high-water mark (MiB).',
    results,
    vsPytorch: ratios(results),
    table: table(results),
  };
  const json = JSON.stringify(doc, null, 2);
  process.stdout.write(`${json}\n`);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `kernels-${doc.date.replace(/[:.]/g, '-')}.json`), json);
}

main();
