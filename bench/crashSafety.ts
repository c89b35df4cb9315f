// Crash safety of saveModel: a child saving a model again and again is SIGKILLed at a random
// moment, then the directory is loaded; a trial fails when loadModel refuses it or it mixes two
// saves. Runs the atomic writer saveModel uses and, as the control, the in-place writes saveModel
// did before (weights.bin then model.json over the old files).
// Run: node --import tsx bench/crashSafety.ts  (prints JSON; UNET_KIT_CRASH_TRIALS, default 200)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../src/backend/useBackend.js';
import { runCrashTrials } from '../test/helpers/crashTrials.js';

const trials = Number(process.env.UNET_KIT_CRASH_TRIALS ?? 200);
await useBackend('cpu');
const results: Record<string, unknown> = {};
for (const [label, units, maxDelayMs] of [['1 MiB', 512, 200], ['16 MiB', 2048, 1500]] as const) {
  for (const mode of ['atomic', 'in-place'] as const) {
    const scratch = await mkdtemp(join(tmpdir(), 'unet-kit-crash-bench-'));
    const started = performance.now();
    const report = await runCrashTrials(scratch, { trials, units, maxDelayMs, mode });
    results[`${label} ${mode}`] = {
      trials: report.trials,
      unloadable: report.unloadable,
      killsBeforeFirstSave: report.completedSaves.filter((n) => n === 0).length,
      maxSavesBeforeKill: Math.max(...report.completedSaves),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      firstErrors: report.errors,
    };
    await rm(scratch, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(results, null, 2));
