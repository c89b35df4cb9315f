import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend, type BackendName } from '../backend/index.js';
import { UnetKitError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { loadModel, saveModel } from '../io/modelFiles.js';
import { diceCELoss } from '../losses/combine.js';
import { readLogs, type CallbackLogs } from '../train/logs.js';
import { rowsToCsv, type MetricsRow } from '../train/metricsLog.js';
import { progressBar } from '../train/progressBar.js';
import { polyLR } from '../train/schedules.js';
import { restoreTrainingState, saveTrainingState } from '../train/trainingState.js';
import { choiceFlag, numberFlag, pathsFlag, stringFlag, type FlagTable, type ParsedFlags } from './args.js';
import { predictProbabilities, predictScan } from './infer.js';
import { CLI_MODELS, buildModel } from './models.js';
import { describePlan, makePlan, type PlanDims, type TrainingPlan } from './plan.js';
import { writeRunReport } from './runReport.js';
import { assertSameGeometry, listScanFiles, pairByCase, readScan, type Scan } from './scans.js';
import { finiteMean, maskDice } from './scores.js';
import type { CliIO } from './terminal.js';
import { chooseThreshold, type ThresholdFile } from './threshold.js';
import { sampleBatch, trainingCase } from './volumes.js';

/** Flags of `unet-kit train`. */
export const TRAIN_FLAGS: FlagTable = {
  images: { type: 'string', multiple: true, value: 'PATHS', help: 'images: a folder, files or a comma list (.nii, .nii.gz, .png); paired with labels by file name' },
  labels: { type: 'string', multiple: true, value: 'PATHS', help: 'label maps (integer values), same names as the images' },
  out: { type: 'string', value: 'DIR', help: 'run folder: plan.json, model/, checkpoint/, training-log.csv, report.html' },
  dims: { type: 'string', value: '2|2.5|3', help: 'network: 2D slices, 2.5D (3 slices as channels) or 3D patches (default 2)' },
  classes: { type: 'string', value: 'N', help: 'number of classes, labels 0..N-1 (default: the label values found)' },
  background: { type: 'string', value: 'V', help: 'the background label value, left out of the Dice loss and of foreground sampling (default: the smallest value)' },
  model: { type: 'string', value: 'NAME', help: `architecture: ${Object.keys(CLI_MODELS).join(', ')} (default unet)` },
  epochs: { type: 'string', value: 'N', help: 'epochs (default 50)' },
  steps: { type: 'string', value: 'N', help: 'batches per epoch (default 50)' },
  val: { type: 'string', value: 'F|IDS', help: 'validation: a fraction of the cases (default 0.2) or case ids, comma-separated; 0 for none' },
  seed: { type: 'string', value: 'N', help: 'seed of the weights, the split and the sampling (default 0)' },
  backend: { type: 'string', value: 'NAME', help: 'auto, tensorflow, wasm, cpu, webgl, webgpu (default auto)' },
  modality: { type: 'string', value: 'auto|mri|ct', help: 'normalization: z-score (mri) or clipped window (ct); default auto from intensities' },
  augment: { type: 'string', value: 'mirror|full', help: 'training augmentation: mirroring only, or also in-plane rotation and zoom, brightness and noise (default mirror)' },
  'norm-region': { type: 'string', value: 'image|nonzero', help: 'z-score with the statistics of the whole image or of its nonzero voxels (after nnU-Net use_mask_for_norm; default image)' },
  'patch-size': { type: 'string', value: 'H,W|D,H,W', help: 'override the planned patch size' },
  'batch-size': { type: 'string', value: 'N', help: 'override the planned batch size' },
  filters: { type: 'string', value: 'F1,F2,..', help: 'override the planned filters per level' },
  lr: { type: 'string', value: 'X', help: 'initial learning rate of Adam, poly-decayed (default 0.003)' },
  memory: { type: 'string', value: 'MiB', help: 'memory for one batch of activations (default: a quarter of free memory, at most 2048)' },
  report: { type: 'string', value: 'N', help: 'overlay slices per case in report.html (default 3)' },
  'tune-threshold': { type: 'string', value: 'plain|tta', help: 'choose the foreground probability threshold with the best validation Dice (0.05..0.95) on predictions without or with mirrored TTA, as predict will make them; saved as threshold.json for predict --threshold auto' },
  resume: { type: 'boolean', help: 'continue the run in --out from its last checkpoint' },
  help: { type: 'boolean', help: 'show this help' },
};

/** What `train` returns (and prints). */
export interface TrainResult {
  plan: TrainingPlan;
  history: MetricsRow[];
  bestEpoch: number;
  bestValDice: number;
  seconds: number;
  files: { plan: string; model: string; report: string; log: string; threshold?: string };
  /** What `--tune-threshold` chose (absent without it). */
  threshold?: ThresholdFile;
}

interface RunState {
  epoch: number;
  bestEpoch: number;
  bestScore: number;
  history: MetricsRow[];
  trainIds: string[];
  valIds: string[];
}

function intList(command: string, flags: ParsedFlags, name: string): number[] | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const values = String(raw).split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new UnetKitError(`unet-kit ${command}`, `--${name}`, `is '${String(raw)}'; expected positive integers separated by commas.`);
  return values;
}

/** The run state saved as the checkpoint's `extra`, checked (a hand-edited or foreign checkpoint is refused). */
function runStateOf(extra: unknown, epoch: number): RunState {
  const e = (extra ?? {}) as Partial<Record<keyof RunState, unknown>>;
  const ids = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string');
  if (!ids(e.trainIds) || !ids(e.valIds) || !Array.isArray(e.history) || typeof e.bestEpoch !== 'number' || (e.bestScore !== null && typeof e.bestScore !== 'number')) {
    throw new UnetKitError('unet-kit train', '--resume', 'found a checkpoint without the run state unet-kit train saves (trainIds, valIds, history, best epoch); was it written by another program?');
  }
  return { epoch, bestEpoch: e.bestEpoch, bestScore: typeof e.bestScore === 'number' ? e.bestScore : -Infinity, history: e.history as MetricsRow[], trainIds: e.trainIds, valIds: e.valIds };
}

/** Splits case ids into training and validation: `--val` a fraction (seeded shuffle) or ids. */
export function splitCases(ids: readonly string[], val: string, seed: number): { train: string[]; val: string[] } {
  const fraction = Number(val);
  if (val.trim() !== '' && Number.isFinite(fraction)) {
    if (fraction < 0 || fraction >= 1) throw new UnetKitError('unet-kit train', '--val', `is ${val}; a fraction must be in [0, 1) (or give case ids).`);
    const rng = createRng(seed);
    const order = [...ids];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.integer(0, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const count = Math.min(ids.length - 1, Math.round(fraction * ids.length));
    const valIds = order.slice(0, count).sort();
    return { train: ids.filter((id) => !valIds.includes(id)), val: valIds };
  }
  const wanted = val.split(',').filter((v) => v !== '');
  const unknown = wanted.filter((id) => !ids.includes(id));
  if (unknown.length > 0) throw new UnetKitError('unet-kit train', '--val', `names the case(s) ${unknown.map((u) => `'${u}'`).join(', ')}, not among ${ids.join(', ')}.`);
  const train = ids.filter((id) => !wanted.includes(id));
  if (train.length === 0) throw new UnetKitError('unet-kit train', '--val', 'leaves no case for training.');
  return { train, val: wanted };
}

/** Mean foreground Dice of the network on some cases (the per-epoch validation score). */
async function meanDice(model: tfl.LayersModel, plan: TrainingPlan, cases: ReadonlyArray<{ image: Scan; label: Scan }>): Promise<number> {
  const scores: number[] = [];
  for (const { image, label } of cases) {
    const pred = await predictScan(model, plan, image);
    for (const value of plan.labelValues.slice(1)) scores.push(maskDice(pred.length, (i) => pred[i] === value, (i) => label.data[i] === value));
  }
  return finiteMean(scores);
}

/** The best model's foreground probabilities on the validation cases, and the threshold that maximizes their Dice. */
async function tuneThreshold(model: tfl.LayersModel, plan: TrainingPlan, cases: ReadonlyArray<{ image: Scan; label: Scan }>, tta: boolean): Promise<ThresholdFile> {
  const background = plan.labelValues[0]!;
  const scored = [];
  for (const { image, label } of cases) {
    const probs = await predictProbabilities(model, plan, image, { tta });
    const bg = tf.tidy(() => tf.sub(1, tf.slice(probs, [0, 0, 0, 0], [-1, -1, -1, 1])));
    probs.dispose();
    const foreground = (await bg.data()) as Float32Array;
    bg.dispose();
    // Softmax sums in float32 can step a hair outside [0, 1].
    for (let i = 0; i < foreground.length; i++) foreground[i] = Math.min(1, Math.max(0, foreground[i]!));
    scored.push({ foreground, truth: Uint8Array.from(label.data, (v) => (v === background ? 0 : 1)) });
  }
  return { ...chooseThreshold(scored), tta, cases: cases.map((c) => c.image.id) };
}

// tfjs' fitDataset reads any object with iterator(); tfjs-data is not needed for that.
function batchDataset(next: () => { xs: tf.Tensor; ys: tf.Tensor }): object {
  return { size: null, iterator: async () => ({ next: async () => ({ value: next(), done: false }) }) };
}

/**
 * `unet-kit train`: reads and pairs the cases, checks their geometry, plans (patch, batch,
 * normalization, network), trains with Dice + cross-entropy (nnU-Net's loss) and Adam with a
 * poly schedule, scores the validation cases every epoch, keeps the best weights in `model/`
 * and the last in `checkpoint/` (for `--resume`), and writes report.html.
 */
export async function runTrain(flags: ParsedFlags, io: CliIO): Promise<TrainResult> {
  const cmd = 'train';
  const started = Date.now();
  const out = stringFlag(cmd, flags, 'out');
  const resume = flags.resume === true;
  const planPath = join(out, 'plan.json');
  // The run's state (epoch, history, best score, split) lives in the checkpoint's training state,
  // so a kill can never pair a checkpoint with another epoch's state.
  const checkpointDir = join(out, 'checkpoint');
  if (!resume && existsSync(planPath)) throw new UnetKitError(`unet-kit ${cmd}`, '--out', `'${out}' already holds a run (plan.json); pass --resume to continue it, or choose another folder.`);
  if (resume && !existsSync(join(checkpointDir, 'model.json')) && !existsSync(join(out, '.checkpoint.previous', 'model.json'))) {
    throw new UnetKitError(`unet-kit ${cmd}`, '--resume', `found no checkpoint in '${out}' (no checkpoint/model.json); train without --resume first.`);
  }
  const epochs = numberFlag(cmd, flags, 'epochs', 50, { min: 1, integer: true });
  const steps = numberFlag(cmd, flags, 'steps', 50, { min: 1, integer: true });
  const seed = numberFlag(cmd, flags, 'seed', 0, { min: 0, integer: true });
  const lr = numberFlag(cmd, flags, 'lr', 3e-3, { min: 1e-8, max: 1 });
  const overlaysPerCase = numberFlag(cmd, flags, 'report', 3, { min: 0, max: 20, integer: true });
  const dims = choiceFlag<PlanDims>(cmd, flags, 'dims', '2', ['2', '2.5', '3']);
  const model = choiceFlag(cmd, flags, 'model', 'unet', Object.keys(CLI_MODELS));
  const modality = choiceFlag(cmd, flags, 'modality', 'auto', ['auto', 'mri', 'ct'] as const);
  const augment = choiceFlag(cmd, flags, 'augment', 'mirror', ['mirror', 'full'] as const);
  const normRegion = choiceFlag(cmd, flags, 'norm-region', 'image', ['image', 'nonzero'] as const);
  const backendName = choiceFlag<BackendName>(cmd, flags, 'backend', 'auto', ['auto', 'tensorflow', 'wasm', 'cpu', 'webgl', 'webgpu'] as BackendName[]);
  const tune = flags['tune-threshold'] === undefined ? undefined : choiceFlag(cmd, flags, 'tune-threshold', 'plain', ['plain', 'tta'] as const);
  const memoryMiB = numberFlag(cmd, flags, 'memory', Math.min(2048, Math.floor(freemem() / 4 / 2 ** 20)), { min: 16 });

  const imageFiles = await listScanFiles(cmd, 'images', pathsFlag(cmd, flags, 'images'));
  const labelFiles = await listScanFiles(cmd, 'labels', pathsFlag(cmd, flags, 'labels'));
  const pairs = pairByCase(cmd, imageFiles, labelFiles);
  const backend = await useBackend(backendName);
  const cases: Array<{ image: Scan; label: Scan }> = [];
  for (const [imagePath, labelPath] of pairs) {
    const image = await readScan(imagePath);
    const label = await readScan(labelPath);
    assertSameGeometry(cmd, image, label);
    cases.push({ image, label });
  }

  let plan: TrainingPlan;
  let split: { train: string[]; val: string[] } | undefined;
  if (resume) {
    plan = JSON.parse(await readFile(planPath, 'utf8')) as TrainingPlan;
  } else {
    split = splitCases(cases.map((c) => c.image.id), String(flags.val ?? '0.2'), seed);
    const chosen = split.train;
    const trainCases = cases.filter((c) => chosen.includes(c.image.id));
    plan = makePlan(trainCases.map((c) => c.image), cases.map((c) => c.label), {
      dims,
      model,
      modality,
      augment,
      normRegion,
      classes: flags.classes === undefined ? undefined : numberFlag(cmd, flags, 'classes', 2, { min: 2, max: 255, integer: true }),
      background: flags.background === undefined ? undefined : numberFlag(cmd, flags, 'background', 0, { min: 0, integer: true }),
      patchSize: intList(cmd, flags, 'patch-size'),
      batchSize: flags['batch-size'] === undefined ? undefined : numberFlag(cmd, flags, 'batch-size', 2, { min: 1, integer: true }),
      filters: intList(cmd, flags, 'filters'),
      memoryBudget: memoryMiB * 2 ** 20,
    });
    await mkdir(out, { recursive: true });
    await writeFile(planPath, `${JSON.stringify(plan, null, 2)}\n`);
  }

  const net = buildModel(plan, seed);
  // Adam's moment variables are not the model's: dispose them with it.
  const optimizer = tf.train.adam(lr);
  const schedule = polyLR({ initialLR: lr, totalSteps: epochs });
  // One stream of patch sampling for the whole run; a resume moves it back to where it was.
  const rng = createRng(seed);
  let state: RunState;
  try {
    net.compile({ optimizer, loss: diceCELoss({ activation: 'softmax', dice: { includeBackground: false } }) });
    if (resume) {
      // Weights, Adam's moments and step, the schedule and the sampler: the run continues as if never stopped.
      const restored = await restoreTrainingState(net, checkpointDir, { schedule, rngs: { sampling: rng } }).catch((error: unknown) => {
        if (!(error instanceof UnetKitError)) throw error;
        const legacy = error.message.includes('holds no training state') ? '; runs checkpointed by unet-kit before exact resume cannot be resumed' : '';
        throw new UnetKitError(`unet-kit ${cmd}`, '--resume', `cannot continue the run in '${out}' from its checkpoint (${error.message})${legacy}.`);
      });
      state = runStateOf(restored.extra, restored.initialEpoch);
      const missing = [...state.trainIds, ...state.valIds].filter((id) => !cases.some((c) => c.image.id === id));
      if (missing.length > 0) throw new UnetKitError(`unet-kit ${cmd}`, '--images', `lacks case(s) ${missing.join(', ')} of the run being resumed.`);
    } else {
      state = { epoch: 0, bestEpoch: 0, bestScore: -Infinity, history: [], trainIds: split!.train, valIds: split!.val };
    }
  } catch (error) {
    net.dispose();
    optimizer.dispose();
    throw error;
  }
  const trainCases = cases.filter((c) => state.trainIds.includes(c.image.id));
  const valCases = cases.filter((c) => state.valIds.includes(c.image.id));
  if (tune !== undefined && valCases.length === 0) {
    net.dispose();
    optimizer.dispose();
    throw new UnetKitError(`unet-kit ${cmd}`, '--tune-threshold', 'needs validation cases (--val): a threshold chosen on the training cases would be fitted to them.');
  }
  io.log(`unet-kit train: backend ${backend}, ${resume ? `resuming at epoch ${state.epoch + 1} of ` : ''}${epochs} epochs x ${steps} batches`);
  for (const line of describePlan(plan, { train: trainCases.length, val: valCases.length })) io.log(line);
  io.log(`  wrote ${planPath}`);

  const logPath = join(out, 'training-log.csv');
  try {
    const samples = trainCases.map((c) => trainingCase(c.image, c.label, plan));
    const dataset = batchDataset(() => {
      const batch = sampleBatch(samples, plan, rng);
      return { xs: tf.tensor(batch.x, batch.xShape), ys: tf.tensor(batch.y, batch.yShape) };
    });
    const scored = valCases.length > 0 ? valCases : trainCases;
    // Runs first among the callbacks, so the progress bar shows the score it adds to the logs.
    const validation = new (class extends tfl.Callback {
      override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
        const valDice = await meanDice(net, plan, scored);
        // The epoch's loss may still be a scalar tensor here (fitDataset): read it as the train callbacks do.
        const read = await readLogs(logs as CallbackLogs | undefined);
        if (logs !== undefined) logs[valCases.length > 0 ? 'val_dice' : 'train_dice'] = valDice;
        const row: MetricsRow = { epoch: epoch + 1, loss: read.loss ?? NaN, [valCases.length > 0 ? 'val_dice' : 'train_dice']: valDice, lr: read.lr ?? NaN, seconds: (Date.now() - started) / 1000 };
        state.history.push(row);
        const score = Number.isNaN(valDice) ? -(read.loss ?? 0) : valDice;
        if (score > state.bestScore) {
          state.bestScore = score;
          state.bestEpoch = epoch + 1;
          await saveModel(net, join(out, 'model'));
        }
        state.epoch = epoch + 1;
        await saveTrainingState(net, checkpointDir, { epoch: state.epoch, schedule, rngs: { sampling: rng }, extra: { ...state, bestScore: Number.isFinite(state.bestScore) ? state.bestScore : null } });
        await writeFile(logPath, rowsToCsv(state.history));
      }
    })();
    if (state.epoch < epochs) {
      await net.fitDataset(dataset as never, {
        epochs,
        initialEpoch: state.epoch,
        batchesPerEpoch: steps,
        verbose: 0,
        callbacks: [schedule, validation, progressBar({ stream: io.progress })],
      });
    }
  } finally {
    net.dispose();
    optimizer.dispose();
  }
  const best = await loadModel(join(out, 'model'));
  try {
    const seconds = (Date.now() - started) / 1000;
    const report = await writeRunReport(out, best, plan, valCases.length > 0 ? valCases : trainCases, valCases.length > 0 ? 'validation cases' : 'training cases (no validation split)', state.history, overlaysPerCase, [
      ['backend', backend],
      ['epochs', `${state.history.length} (best ${state.bestEpoch})`],
      ['training + report time', `${seconds.toFixed(1)} s`],
      ['training cases', state.trainIds.join(', ')],
      ['validation cases', state.valIds.join(', ') || 'none'],
    ], io);
    let threshold: ThresholdFile | undefined;
    let thresholdPath: string | undefined;
    if (tune !== undefined) {
      threshold = await tuneThreshold(best, plan, valCases, tune === 'tta');
      thresholdPath = join(out, 'threshold.json');
      await writeFile(thresholdPath, `${JSON.stringify(threshold, null, 2)}\n`);
      io.log(`threshold on the validation cases${threshold.tta ? ' (mirrored TTA)' : ''}: ${threshold.threshold} (Dice ${threshold.dice.toFixed(4)}; ${threshold.diceAtHalf.toFixed(4)} at 0.5), wrote ${thresholdPath}`);
    }
    const bestValDice = state.history.find((r) => r.epoch === state.bestEpoch)?.[valCases.length > 0 ? 'val_dice' : 'train_dice'] ?? NaN;
    io.log(`trained ${state.history.length} epochs in ${seconds.toFixed(1)} s; best ${valCases.length > 0 ? 'validation' : 'training'} Dice ${bestValDice.toFixed(4)} at epoch ${state.bestEpoch}`);
    io.log(`wrote ${join(out, 'model')}/ (best), ${join(out, 'checkpoint')}/ (last, for --resume), ${logPath}, ${report}`);
    return { plan, history: state.history, bestEpoch: state.bestEpoch, bestValDice, seconds, files: { plan: planPath, model: join(out, 'model'), report, log: join(out, 'training-log.csv'), ...(thresholdPath === undefined ? {} : { threshold: thresholdPath }) }, ...(threshold === undefined ? {} : { threshold }) };
  } finally {
    best.dispose();
  }
}

