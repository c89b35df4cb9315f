// unet-kit kernel bench: forward and train step of a 2D U-Net (4 poolings, 16..256 filters,
// conv + BN + ReLU, batch 4x128x128x1) and a 3D U-Net (3 poolings, 8..64 filters, 2x32^3x1) on
// each backend, with tfjs' stock kernels and with unet-kit's kernel layer (installKernels).
// Each configuration runs in its own process (bench/case.ts). Prints one JSON document and
// writes it to bench/results/kernels-<time>.json.
//
//   npm run bench                                  # cpu and wasm, both nets, about 5 minutes
//   npm run bench -- --backends wasm --reps 5      # wasm only
//   npm run bench -- --nets 2d --stock-cpu-train   # include the stock cpu train step (minutes)
//   npm run bench -- --profile                     # per-kernel times of one train step
//   npm run bench -- --data-parallel 2             # plus a row per net: wasm, 2 worker threads
//   npm run bench -- --backends tensorflow         # tfjs-node (installed or provisioned)
// The tensorflow rows run where tfjs-node can be loaded; the PyTorch rows (optional) where a
// Python with torch is found: UNET_KIT_TORCH_PYTHON, ~/.cache/unet-kit/torch-venv, python3.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensorflowAvailability } from '../test/helpers/tensorflowBackend.js';

interface Options {
  backends: string[];
  nets: string[];
  reps: number;
  stockCpuTrain: boolean;
  profile: boolean;
  dataParallel: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { backends: tensorflowAvailability().available ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu'], nets: ['2d', '3d'], reps: 3, stockCpuTrain: false, profile: false, dataParallel: 0 };
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
    else throw new Error(`bench: unknown flag ${arg}; use --backends cpu,wasm --nets 2d,3d --reps N --stock-cpu-train --skip-stock-cpu --profile --data-parallel N`);
  }
  return options;
}

const here = dirname(fileURLToPath(import.meta.url));

function runCase(args: Record<string, unknown>): Record<string, unknown> {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'case.ts'), JSON.stringify(args)], {
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = out.trim().split('\n').pop() ?? '{}';
    return JSON.parse(line) as Record<string, unknown>;
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
        ...(r.dataParallelWorkers !== undefined ? { dataParallelWorkers: r.dataParallelWorkers } : {}),
        forwardVsPytorch: ratio('forwardMs'),
        trainStepVsPytorch: ratio('trainStepMs'),
      });
    }
  }
  return out;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const results: Record<string, unknown>[] = [];
  for (const net of options.nets) {
    for (const backend of options.backends) {
      for (const kernels of [false, true]) {
        // The stock cpu train step of the 2D net is a naive filter-gradient loop (~490 s).
        const slowStock = backend === 'cpu' && !kernels && net === '2d' && !options.stockCpuTrain;
        const reps = backend === 'cpu' ? 1 : options.reps;
        const args = { backend, kernels, net, reps, forward: true, train: !slowStock, profile: options.profile && kernels };
        process.stderr.write(`bench: ${net} ${backend} ${kernels ? 'unet-kit kernels' : 'stock'} ...\n`);
        const result = runCase(args);
        if (slowStock) result.trainStepMs = 'skipped (stock cpu filter gradient takes minutes; --stock-cpu-train to run it)';
        results.push(result);
      }
    }
    if (options.dataParallel > 0 && options.backends.includes('wasm')) {
      const args = { backend: 'wasm', kernels: true, net, reps: options.reps, forward: true, train: true, profile: false, dataParallel: options.dataParallel };
      process.stderr.write(`bench: ${net} wasm unet-kit kernels, ${options.dataParallel} worker threads ...\n`);
      results.push(runCase(args));
    }
  }
  const python = torchPython();
  for (const net of options.nets) {
    if (python === undefined) {
      results.push({ net, backend: 'pytorch', skipped: 'no Python with torch (set UNET_KIT_TORCH_PYTHON); the PyTorch rows are optional' });
      continue;
    }
    process.stderr.write(`bench: ${net} pytorch (${python}) ...\n`);
    results.push(runTorch(python, net, Math.max(options.reps, 5)));
  }
  if (!tensorflowAvailability().available) {
    const where = tensorflowAvailability();
    results.push({ backend: 'tensorflow', skipped: where.available ? '' : where.reason });
  }
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    note: 'ms are medians over reps after one warm-up; *CpuMs is this process\' CPU time (steadier on a shared machine); GFLOP/s use the smaller of the two; train GFLOP/s count 3x the forward multiply-adds.',
    results,
    vsPytorch: ratios(results),
  };
  const json = JSON.stringify(doc, null, 2);
  process.stdout.write(`${json}\n`);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `kernels-${doc.date.replace(/[:.]/g, '-')}.json`), json);
}

main();
