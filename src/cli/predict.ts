import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBackend, type BackendName } from '../backend/index.js';
import { UnetKitError } from '../core/errors.js';
import { loadModel } from '../io/modelFiles.js';
import { choiceFlag, pathsFlag, stringFlag, type FlagTable, type ParsedFlags } from './args.js';
import { otherLabelValues, predictEnsemble, type EnsembleMember } from './infer.js';
import type { TrainingPlan } from './plan.js';
import { caseId, listScanFiles, readScan, scanKind } from './scans.js';
import { progressLine, type CliIO } from './terminal.js';
import { resolveThreshold } from './threshold.js';
import { writeLabelMap } from './write.js';

/** Flags of `unet-kit predict`. */
export const PREDICT_FLAGS: FlagTable = {
  model: { type: 'string', multiple: true, value: 'RUNS', help: 'run folder written by train (plan.json and model/); several (a comma list or repeated): an ensemble, their softmax outputs averaged (e.g. a 2.5D and a 3D run)' },
  input: { type: 'string', multiple: true, value: 'PATHS', help: 'scans: a folder, files or a comma list (.nii, .nii.gz, .png)' },
  out: { type: 'string', value: 'PATH', help: 'output folder (one mask per input, same name), or a file for one input' },
  tta: { type: 'boolean', help: 'average over mirrorings along every axis (nnU-Net test-time mirroring; 4x / 8x slower)' },
  'largest-component': { type: 'boolean', help: 'keep only the largest connected component of each class (for one-piece structures: an organ, the brain)' },
  threshold: { type: 'string', value: 'auto|P', help: "foreground where 1 - P(background) >= P, in (0, 1); 'auto': the one train --tune-threshold chose on validation (default: argmax)" },
  backend: { type: 'string', value: 'NAME', help: 'auto, tensorflow, wasm, cpu, webgl, webgpu (default auto)' },
  help: { type: 'boolean', help: 'show this help' },
};

/** The output path of one input: the file `--out` names, or `<out>/<id>.nii.gz` (`.png` for PNG). */
export function outputPath(out: string, input: string, single: boolean): string {
  if (single && scanKind(out) !== undefined) return out;
  return join(out, `${caseId(input)}${scanKind(input) === 'png' ? '.png' : '.nii.gz'}`);
}

/**
 * `unet-kit predict`: loads a run's plan and best model (or several runs': an ensemble whose
 * softmax outputs are averaged), segments each input with sliding windows (optionally
 * mirrored), decides by argmax or by a foreground threshold (`--threshold`), and writes label
 * maps with the input's geometry.
 *
 * @returns the written files.
 */
export async function runPredict(flags: ParsedFlags, io: CliIO): Promise<string[]> {
  const cmd = 'predict';
  const runs = pathsFlag(cmd, flags, 'model').flatMap((r) => r.split(',')).filter((r) => r !== '');
  if (runs.length === 0) throw new UnetKitError(`unet-kit ${cmd}`, '--model', 'is empty; give a run folder of unet-kit train (or several, comma-separated, for an ensemble).');
  const out = stringFlag(cmd, flags, 'out');
  const plans: TrainingPlan[] = [];
  for (const run of runs) {
    const planPath = join(run, 'plan.json');
    if (!existsSync(planPath) || !existsSync(join(run, 'model', 'model.json'))) {
      throw new UnetKitError(`unet-kit ${cmd}`, '--model', `'${run}' is not a run folder of 'unet-kit train' (needs plan.json and model/model.json).`);
    }
    plans.push(JSON.parse(await readFile(planPath, 'utf8')) as TrainingPlan);
  }
  const plan = plans[0]!;
  // Checked before any model loads, naming the run folders (predictEnsemble names members).
  const odd = otherLabelValues(plans);
  if (odd !== undefined) {
    throw new UnetKitError(`unet-kit ${cmd}`, '--model', `'${runs[odd]}' was trained on label values [${plans[odd]!.labelValues.join(', ')}], '${runs[0]}' on [${plan.labelValues.join(', ')}]; an ensemble's runs must share their labels.`);
  }
  const run = runs[0]!;
  const inputs = await listScanFiles(cmd, 'input', pathsFlag(cmd, flags, 'input'));
  const single = inputs.length === 1;
  if (!single && scanKind(out) !== undefined) throw new UnetKitError(`unet-kit ${cmd}`, '--out', `is the file '${out}' but there are ${inputs.length} inputs; give a folder.`);
  if (runs.length > 1 && flags.threshold === 'auto') {
    throw new UnetKitError(`unet-kit ${cmd}`, '--threshold', `is 'auto' with an ensemble of ${runs.length} runs; each run chose its threshold for its own probabilities, not their mean: give a number in (0, 1) or leave it out.`);
  }
  const threshold = flags.threshold === undefined ? undefined : await resolveThreshold(cmd, run, String(flags.threshold));
  const backendName = choiceFlag<BackendName>(cmd, flags, 'backend', 'auto', ['auto', 'tensorflow', 'wasm', 'cpu', 'webgl', 'webgpu'] as BackendName[]);
  const backend = await useBackend(backendName);
  const members: EnsembleMember[] = [];
  try {
    for (const [i, r] of runs.entries()) members.push({ model: await loadModel(join(r, 'model')), plan: plans[i]! });
  } catch (error) {
    for (const m of members) m.model.dispose();
    throw error;
  }
  const written: string[] = [];
  const nets = plans.map((p) => `${p.dims}D ${p.model}, window ${p.patchSize.join(' x ')}`).join(' + ');
  io.log(`unet-kit predict: backend ${backend}, ${inputs.length} scan(s), ${runs.length > 1 ? `ensemble of ${runs.length}: ` : ''}${nets}${flags.tta === true ? ', mirrored TTA' : ''}${threshold === undefined ? '' : `, foreground threshold ${threshold.threshold} (${threshold.source})`}${flags['largest-component'] === true ? ', largest component per class' : ''}`);
  try {
    for (const input of inputs) {
      const scan = await readScan(input);
      const started = Date.now();
      const bar = progressLine(io, `${scan.id}`);
      const labels = await predictEnsemble(members, scan, { tta: flags.tta === true, largestComponent: flags['largest-component'] === true, threshold: threshold?.threshold, onProgress: (done, total) => bar.update(done, total) });
      bar.done();
      const path = outputPath(out, input, single);
      await writeLabelMap(path, scan, labels);
      written.push(path);
      io.log(`  ${scan.id}: [${scan.shape.join(', ')}] -> ${path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    for (const m of members) m.model.dispose();
  }
  return written;
}
