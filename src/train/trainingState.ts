import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertKnownKeys, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { createRng, type Rng, type RngState } from '../core/rng.js';
import { readModelDirectory, saveModelWithState } from '../io/modelFiles.js';
import { checkOptimizerFits, optimizerRecord, restoreOptimizer, resumableOptimizer, type OptimizerRecord } from './optimizerState.js';
import { LearningRateScheduler, type ScheduleState } from './schedules.js';

/**
 * The top-level `model.json` key a training state is stored under (tfjs ignores it).
 *
 * @example `JSON.parse(await (await import('node:fs/promises')).readFile('runs/last/model.json', 'utf8'))[TRAINING_STATE_KEY].epoch` is the last saved epoch.
 */
export const TRAINING_STATE_KEY = 'unetKitTrainingState';

/** Options of {@link saveTrainingState}. */
export interface SaveTrainingStateOptions {
  /** Epochs completed: the `initialEpoch` of the `fit` that resumes. Required. */
  epoch: number;
  /** The learning-rate callback in use ({@link polyLR}, ...): its position is kept. */
  schedule?: LearningRateScheduler;
  /** The seeded generators of the data order and augmentation, by name (`createRng`): their positions are kept. */
  rngs?: Readonly<Record<string, Rng>>;
  /** Any JSON value of the caller's (best score so far, history ...), returned by {@link restoreTrainingState}. */
  extra?: unknown;
}

/** Options of {@link restoreTrainingState}: the objects to move back to their saved positions. */
export interface RestoreTrainingStateOptions {
  /** The learning-rate callback of the resumed `fit` (same unit as the saved one). */
  schedule?: LearningRateScheduler;
  /** Generators under the names they were saved with; every saved name must be given. */
  rngs?: Readonly<Record<string, Rng>>;
}

/** What {@link restoreTrainingState} read back. */
export interface RestoredTrainingState {
  /** Epochs completed: pass as `initialEpoch` to `fit` / `fitDataset`. */
  initialEpoch: number;
  /** Optimizer steps taken (the global batch count). */
  step: number;
  /** The learning rate in use when saved (the schedule sets the next one). */
  learningRate: number;
  /** The `extra` value saved, or `undefined`. */
  extra: unknown;
}

/** The record under {@link TRAINING_STATE_KEY}. */
interface TrainingStateRecord {
  readonly format: 'unet-kit training state';
  readonly version: 1;
  readonly epoch: number;
  readonly step: number;
  /** Layer class names in order and the shape of every weight, to refuse another model's state. */
  readonly model: { readonly layers: readonly string[]; readonly weightShapes: readonly number[][] };
  readonly optimizer: OptimizerRecord;
  readonly schedule: ScheduleState | null;
  readonly rngs: Readonly<Record<string, RngState>>;
  readonly extra?: unknown;
}

const FORMAT = 'unet-kit training state';

function assertModel(fn: string, model: unknown): asserts model is tfl.LayersModel {
  if (model === null || typeof model !== 'object' || typeof (model as { save?: unknown }).save !== 'function' || !Array.isArray((model as { weights?: unknown }).weights)) {
    fail(fn, 'model', model, 'a compiled tf.LayersModel');
  }
}

function assertDir(fn: string, dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.trim() === '') fail(fn, 'dir', dir, 'a directory path (a non-empty string)');
}

function assertSchedule(fn: string, schedule: unknown): asserts schedule is LearningRateScheduler | undefined {
  if (schedule !== undefined && !(schedule instanceof LearningRateScheduler)) fail(fn, 'options.schedule', schedule, 'a LearningRateScheduler (polyLR, cosineAnnealing, ...)');
}

function assertRngs(fn: string, rngs: unknown): asserts rngs is Readonly<Record<string, Rng>> | undefined {
  if (rngs === undefined) return;
  const ok = rngs !== null && typeof rngs === 'object' && !Array.isArray(rngs) &&
    Object.values(rngs).every((r) => typeof (r as Partial<Rng> | null)?.getState === 'function' && typeof (r as Partial<Rng>).setState === 'function');
  if (!ok) fail(fn, 'options.rngs', rngs, 'an object of generators from createRng, by name ({ data: createRng(1) })');
}

function shapesOf(model: tfl.LayersModel): number[][] {
  return model.weights.map((w) => [...w.shape] as number[]);
}

/** JSON-only copy of `extra`, so what restore returns is what was saved. */
function jsonCopy(fn: string, extra: unknown): unknown {
  if (extra === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(extra);
  } catch (error) {
    fail(fn, 'options.extra', extra, `a JSON value (${(error as Error).message})`);
  }
  if (text === undefined) fail(fn, 'options.extra', extra, 'a JSON value');
  return JSON.parse(text) as unknown;
}

/**
 * Saves everything `fit` needs to continue exactly where it stopped, crash-safely, to `dir`:
 * the model's weights, the optimizer's state (Adam's moments, beta powers and iteration count;
 * SGD, Momentum, RMSProp, Adagrad, Adadelta likewise), the epochs completed, the global step,
 * the learning-rate schedule's position and the positions of the data and augmentation
 * generators. {@link restoreTrainingState} puts it all back, and training then continues bitwise
 * identically to a run never interrupted (tested on cpu, wasm and tensorflow, and by killing a
 * training process with SIGKILL after an epoch and resuming).
 *
 * The directory is a normal model directory (`model.json` + `weights.bin`, written by
 * `saveModel`'s atomic swap, SHA-256 checked on load): `loadModel` reads it for inference. The
 * state is stored under `unetKitTrainingState` in `model.json`, without a tfjs training config,
 * so models compiled with loss functions (Dice, deep supervision) can be saved; the resuming
 * code compiles the model again.
 *
 * Exactness needs every random draw to come from a generator whose state is saved: pass
 * `shuffle: false` to `fit` (tfjs-layers shuffles with `Math.random`) and draw the data order and
 * augmentation from `createRng` generators listed in `rngs` (e.g. `augmentedBatches({ rng })`);
 * layers that draw at training time (dropout, gaussian noise) use tfjs' own unseedable stream.
 *
 * @param model - A compiled model (optimizer: one of `RESUMABLE_OPTIMIZERS`).
 * @param dir - Directory to (re)write; it must hold nothing but a checkpoint.
 * @param options - `epoch` (required), `schedule`, `rngs`, `extra`.
 * @example
 * ```ts
 * await model.fitDataset(data, { epochs: 10, callbacks: [schedule] });
 * await saveTrainingState(model, './run/last', { epoch: 10, schedule, rngs: { data: dataRng } });
 * ```
 */
export async function saveTrainingState(model: tfl.LayersModel, dir: string, options: SaveTrainingStateOptions): Promise<void> {
  const fn = 'saveTrainingState';
  assertModel(fn, model);
  assertDir(fn, dir);
  if (options === undefined) fail(fn, 'options', options, 'an options object with epoch');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['epoch', 'schedule', 'rngs', 'extra']);
  const { epoch, schedule, rngs = {}, extra } = options;
  assertInteger(fn, 'options.epoch', epoch, { min: 0 });
  assertSchedule(fn, schedule);
  assertRngs(fn, rngs);
  const optimizer = resumableOptimizer(fn, model);
  const record: TrainingStateRecord = {
    format: FORMAT,
    version: 1,
    epoch,
    step: optimizer.iterations,
    model: { layers: model.layers.map((l) => l.getClassName()), weightShapes: shapesOf(model) },
    optimizer: optimizerRecord(optimizer),
    schedule: schedule?.getState() ?? null,
    rngs: Object.fromEntries(Object.entries(rngs).map(([name, rng]) => [name, rng.getState()])),
    ...(extra === undefined ? {} : { extra: jsonCopy(fn, extra) }),
  };
  await saveModelWithState(fn, model, dir, { [TRAINING_STATE_KEY]: record });
}

/** The same error, reported by `fn` (the io floor's readers name loadModel). */
function reportedBy(fn: string, error: unknown): unknown {
  if (!(error instanceof UnetKitError) || error.functionName === fn) return error;
  const prefix = `${error.functionName}: ${error.argument} `;
  return new UnetKitError(fn, error.argument, error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message);
}

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validates the stored record, so a damaged `model.json` is an error before anything changes. */
function parseRecord(fn: string, dir: string, raw: unknown): TrainingStateRecord {
  const bad = (what: string): UnetKitError =>
    new UnetKitError(fn, 'dir', `is '${dir}', whose model.json ${what}; expected a directory written by saveTrainingState or checkpoint(dir, { resumable: true }).`);
  if (raw === undefined) throw bad(`holds no training state (no ${TRAINING_STATE_KEY} key: a plain saveModel checkpoint)`);
  const field = (what: string, value: unknown): UnetKitError => bad(`has a damaged training state: ${what} is ${formatValue(value)}`);
  if (!isRecordObject(raw) || raw.format !== FORMAT) throw field(TRAINING_STATE_KEY, raw);
  if (raw.version !== 1) throw field('version (this unet-kit reads 1)', raw.version);
  for (const key of ['epoch', 'step'] as const) if (!Number.isSafeInteger(raw[key]) || (raw[key] as number) < 0) throw field(key, raw[key]);
  const model = raw.model as TrainingStateRecord['model'] | undefined;
  if (!isRecordObject(model) || !Array.isArray(model.layers) || !model.layers.every((l) => typeof l === 'string') || !Array.isArray(model.weightShapes) ||
    !model.weightShapes.every((s) => Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0))) {
    throw field('model', model);
  }
  const optimizer = raw.optimizer as OptimizerRecord | undefined;
  const finiteRate = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!isRecordObject(optimizer) || typeof optimizer.className !== 'string' || !isRecordObject(optimizer.config) || !finiteRate(optimizer.learningRate) ||
    !Number.isSafeInteger(optimizer.iterations) ||
    (optimizer.accBeta !== undefined && !(Array.isArray(optimizer.accBeta) && optimizer.accBeta.length === 2 && optimizer.accBeta.every((b) => typeof b === 'number' && Number.isFinite(b))))) {
    throw field('optimizer', optimizer);
  }
  if (raw.schedule !== null && !isRecordObject(raw.schedule)) throw field('schedule', raw.schedule);
  if (!isRecordObject(raw.rngs)) throw field('rngs', raw.rngs);
  for (const [name, state] of Object.entries(raw.rngs)) {
    try {
      createRng(0).setState(state as RngState);
    } catch {
      throw field(`rngs.${name}`, state);
    }
  }
  return raw as unknown as TrainingStateRecord;
}

/** Refuses a state saved from another architecture (layer classes, weight shapes). */
function checkModelFits(fn: string, dir: string, record: TrainingStateRecord, model: tfl.LayersModel, specs: readonly tf.io.WeightsManifestEntry[]): void {
  const mismatch = (what: string): UnetKitError => new UnetKitError(fn, 'dir', `is '${dir}', whose training state is from another model: ${what}.`);
  const layers = model.layers.map((l) => l.getClassName());
  if (layers.length !== record.model.layers.length || layers.some((l, i) => l !== record.model.layers[i])) {
    const at = layers.findIndex((l, i) => l !== record.model.layers[i]);
    throw mismatch(`it has ${record.model.layers.length} layers where the model has ${layers.length} (layer ${at}: ${formatValue(record.model.layers[at])} there, ${formatValue(layers[at])} here)`);
  }
  const shapes = shapesOf(model);
  const saved = specs.map((s) => s.shape);
  if (saved.length !== shapes.length) throw mismatch(`it holds ${saved.length} weights where the model has ${shapes.length}`);
  const at = shapes.findIndex((s, i) => s.length !== saved[i]!.length || s.some((d, j) => d !== saved[i]![j]));
  if (at >= 0) throw mismatch(`weight ${at} (${model.weights[at]!.originalName}) is ${formatValue(saved[at])} there and ${formatValue(shapes[at])} here`);
}

function checkRngNames(fn: string, dir: string, saved: Readonly<Record<string, RngState>>, given: Readonly<Record<string, Rng>>): void {
  const savedNames = Object.keys(saved).sort();
  const givenNames = Object.keys(given).sort();
  if (savedNames.join('\u0000') !== givenNames.join('\u0000')) {
    throw new UnetKitError(
      fn,
      'options.rngs',
      `names ${formatValue(givenNames)}, but the training state in '${dir}' holds the generators ${formatValue(savedNames)}; pass each under the name it was saved with, so the data order repeats.`,
    );
  }
}

/**
 * Restores a state written by {@link saveTrainingState} (or `checkpoint(dir, { resumable: true })`)
 * into `model`, built and compiled as the interrupted run's was: its weights, the optimizer's
 * state, the schedule's position and the generators' positions. Continue with
 * `fit(..., { initialEpoch })` and the run is bitwise identical to one never interrupted.
 *
 * Everything is checked before anything changes: the weight bytes against the manifest and the
 * SHA-256, the record's fields, the architecture (layer classes and weight shapes), the optimizer
 * (class and options), the generator names; a failure throws a {@link UnetKitError} and leaves
 * the model, optimizer and generators as they were, with no tensor leaked. A directory whose
 * save was killed mid-swap is read from its `.previous` copy, as `loadModel` does.
 *
 * @param model - The model to resume, compiled with the same optimizer class and options.
 * @param dir - The checkpoint directory.
 * @param options - `schedule`, `rngs` (every saved generator, under its name).
 * @returns `initialEpoch`, `step`, `learningRate`, `extra`.
 * @example
 * ```ts
 * const model = unet({ inputShape: [16, 16, 1], filters: [8, 16], numClasses: 2 });
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: diceLoss() });
 * const { initialEpoch } = await restoreTrainingState(model, './run/last', { schedule, rngs: { data: dataRng } });
 * await model.fitDataset(data, { epochs: 50, initialEpoch, callbacks: [schedule] });
 * ```
 */
export async function restoreTrainingState(model: tfl.LayersModel, dir: string, options: RestoreTrainingStateOptions = {}): Promise<RestoredTrainingState> {
  const fn = 'restoreTrainingState';
  assertModel(fn, model);
  assertDir(fn, dir);
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['schedule', 'rngs']);
  const { schedule, rngs = {} } = options;
  assertSchedule(fn, schedule);
  assertRngs(fn, rngs);
  const optimizer = resumableOptimizer(fn, model);
  let read: Awaited<ReturnType<typeof readModelDirectory>>;
  try {
    read = await readModelDirectory(dir);
  } catch (error) {
    throw reportedBy(fn, error);
  }
  const record = parseRecord(fn, dir, read.modelJson[TRAINING_STATE_KEY]);
  const { weightData, weightSpecs = [] } = read.artifacts;
  const modelSpecs = weightSpecs.filter((s) => s.group !== 'optimizer');
  const optimizerSpecs = weightSpecs.filter((s) => s.group === 'optimizer');
  checkModelFits(fn, dir, record, model, modelSpecs);
  checkOptimizerFits(fn, dir, record.optimizer, optimizer, optimizerSpecs, model.trainableWeights.map((w) => [...w.shape] as number[]));
  checkRngNames(fn, dir, record.rngs, rngs);
  if (schedule !== undefined && record.schedule !== null) {
    if (record.schedule.per !== schedule.per) {
      throw new UnetKitError(fn, 'options.schedule', `advances per '${schedule.per}', but the training state in '${dir}' was saved with a schedule per '${record.schedule.per}'.`);
    }
    try {
      // A dry run on a stand-in, so a damaged schedule record fails before the model changes.
      new LearningRateScheduler(() => 0, { per: schedule.per }).setState(record.schedule);
    } catch (error) {
      throw new UnetKitError(fn, 'dir', `is '${dir}', whose model.json has a damaged training state: ${(error as Error).message}.`);
    }
  }
  if (weightData === undefined) throw new UnetKitError(fn, 'dir', `is '${dir}', whose model.json names no weight data.`);
  let decoded: tf.NamedTensorMap = {};
  try {
    decoded = tf.io.decodeWeights(weightData, weightSpecs);
    model.setWeights(modelSpecs.map((s) => decoded[s.name]!));
    await restoreOptimizer(optimizer, record.optimizer, optimizerSpecs.map((s) => ({ name: s.name, tensor: decoded[s.name]! })));
  } catch (error) {
    throw new UnetKitError(fn, 'dir', `is '${dir}', whose weights could not be restored (${(error as Error).message}).`);
  } finally {
    tf.dispose(Object.values(decoded));
  }
  if (schedule !== undefined && record.schedule !== null) schedule.setState(record.schedule);
  for (const [name, state] of Object.entries(record.rngs)) rngs[name]!.setState(state);
  return { initialEpoch: record.epoch, step: record.step, learningRate: record.optimizer.learningRate, extra: record.extra };
}
