import * as tfl from '@tensorflow/tfjs-layers';
import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createRng } from '../../src/core/rng.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';

/** What one series of kill trials found. */
export interface CrashTrialReport {
  trials: number;
  /** Directories loadModel refused (or loaded torn: values of two saves mixed). */
  unloadable: number;
  /** Saves the child reported complete before each kill. */
  completedSaves: number[];
  /** First error messages, for the report. */
  errors: string[];
}

/** A dense layer of `units` x `units` float32 weights. */
export function wideNet(units: number): tfl.LayersModel {
  const input = tfl.input({ shape: [units] });
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units, name: 'wide' }).apply(input) as tfl.SymbolicTensor });
}

/**
 * Runs `trials` times: copy a saved model to a fresh directory, start a child that saves over it
 * in a loop (test/helpers/crashSaver.ts), SIGKILL it after a uniformly random delay in
 * [0, maxDelayMs), then loadModel the directory and check it holds one whole checkpoint: the
 * initial one, or save k with k the last reported save or the one after it.
 */
export async function runCrashTrials(scratch: string, options: { trials: number; units: number; maxDelayMs: number; mode?: 'atomic' | 'in-place'; seed?: number }): Promise<CrashTrialReport> {
  const child = join(scratch, 'crashSaver.mjs');
  // Bundled so each child starts in plain Node in tens of milliseconds.
  await build({ entryPoints: [join(import.meta.dirname, 'crashSaver.ts')], bundle: true, platform: 'node', format: 'esm', outfile: child, logLevel: 'silent' });
  const initial = join(scratch, 'initial');
  const model = wideNet(options.units);
  await saveModel(model, initial);
  const initialKernel = Array.from(model.getLayer('wide').getWeights()[0]!.dataSync().slice(0, 4));
  model.dispose();
  const rng = createRng(options.seed ?? 12);
  const report: CrashTrialReport = { trials: options.trials, unloadable: 0, completedSaves: [], errors: [] };
  for (let trial = 0; trial < options.trials; trial++) {
    const dir = join(scratch, `trial${trial}`);
    await cp(initial, dir, { recursive: true });
    const done = await runAndKill(child, [dir, join(initial, 'model.json'), options.mode ?? 'atomic'], options.maxDelayMs * rng.next());
    report.completedSaves.push(done);
    try {
      const loaded = await loadModel(dir);
      const [kernel, bias] = loaded.getLayer('wide').getWeights().map((w) => w.dataSync());
      loaded.dispose();
      const value = kernel![0]!;
      const whole = Number.isInteger(value) && value >= 1
        ? kernel!.every((v) => v === value) && bias!.every((v) => v === value) && (value === done || value === done + 1)
        : done === 0 && Array.from(kernel!.slice(0, 4)).every((v, i) => v === initialKernel[i]);
      if (!whole) throw new Error(`torn checkpoint after ${done} saves (first value ${value})`);
    } catch (error) {
      report.unloadable += 1;
      if (report.errors.length < 3) report.errors.push((error as Error).message);
    }
  }
  return report;
}

/** Starts the saver, waits for it to be ready, SIGKILLs it after `delayMs`; resolves the saves it reported done. */
function runAndKill(script: string, args: string[], delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (timer === undefined && out.includes('ready\n')) timer = setTimeout(() => proc.kill('SIGKILL'), delayMs);
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`crash saver exited by itself: ${err}`));
      else resolve(out.split('\n').filter((l) => l.startsWith('saved ')).length);
    });
  });
}
