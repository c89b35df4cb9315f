// Exact resume: a run interrupted after epoch k (in process, and by SIGKILL of a training child
// process), restored from its training state into a fresh model and continued, ends with the
// bits of the uninterrupted run. Plus the optimizers tfjs can save, and the refusals.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { augmentedBatches } from '../../src/augment/augmentedBatches.js';
import { flip } from '../../src/augment/flip.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import { loadModel } from '../../src/io/modelFiles.js';
import { checkpoint } from '../../src/train/checkpoint.js';
import { polyLR, stepDecay } from '../../src/train/schedules.js';
import { restoreTrainingState, saveTrainingState, TRAINING_STATE_KEY } from '../../src/train/trainingState.js';
import { describeEachBackend } from '../helpers/backends.js';
import { tinyDense } from './fixtures.js';
import { dataRng, resumeData, resumeDataset, resumeModel, RUN, trainEpochs } from './resumeRun.js';

let scratch: string;
let count = 0;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-resume-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const freshDir = (): string => join(scratch, `state${count++}`);

/** Every weight's bytes: equal arrays mean bitwise-equal weights (NaN and -0 included). */
function bits(model: tfl.LayersModel): Uint8Array[] {
  return model.getWeights().map((w) => {
    const v = w.dataSync() as Float32Array;
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  });
}

async function optimizerBits(optimizer: tf.Optimizer): Promise<Uint8Array[]> {
  const weights = await optimizer.getWeights();
  const out = weights.map(({ tensor }) => new Uint8Array(tensor.dataSync().slice().buffer));
  tf.dispose(weights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  return out;
}

type RunBits = { weights: Uint8Array[]; adam: Uint8Array[]; lrs: number[] };
const wholeRuns = new Map<string, Promise<RunBits>>();

/** The uninterrupted run on the active backend, trained once per backend. */
function uninterrupted(): Promise<RunBits> {
  const backend = tf.getBackend();
  if (!wholeRuns.has(backend)) wholeRuns.set(backend, trainUninterrupted());
  return wholeRuns.get(backend)!;
}

/** The uninterrupted run: RUN.epochs epochs; its final weights and Adam state. */
async function trainUninterrupted(): Promise<RunBits> {
  const { model, optimizer, schedule } = resumeModel();
  const { x, y } = resumeData();
  await trainEpochs(model, resumeDataset(x, y, dataRng()), schedule);
  const result = { weights: bits(model), adam: await optimizerBits(optimizer), lrs: schedule.history.map((h) => h.lr) };
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, y]);
  return result;
}

/** Restores `dir` into a fresh model (other initial weights), trains to RUN.epochs, returns its bits. */
async function resumeFrom(dir: string, tamper?: (optimizer: tf.Optimizer, rng: ReturnType<typeof createRng>) => Promise<void>): Promise<{ weights: Uint8Array[]; adam: Uint8Array[]; initialEpoch: number; lrs: number[] }> {
  const { model, optimizer, schedule } = resumeModel(99);
  const { x, y } = resumeData();
  const rng = createRng(12345);
  const { initialEpoch, step } = await restoreTrainingState(model, dir, { schedule, rngs: { data: rng } });
  expect(step).toBe(initialEpoch * RUN.batchesPerEpoch);
  expect(optimizer.iterations).toBe(step);
  await tamper?.(optimizer, rng);
  await trainEpochs(model, resumeDataset(x, y, rng), schedule, { initialEpoch });
  const result = { weights: bits(model), adam: await optimizerBits(optimizer), initialEpoch, lrs: schedule.history.map((h) => h.lr) };
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, y]);
  return result;
}

describeEachBackend('saveTrainingState / restoreTrainingState: exact resume', () => {
  it('a run stopped after epoch 1, saved, disposed and resumed in a fresh model ends bitwise equal to the uninterrupted run; no leaks', async () => {
    const before = tf.memory().numTensors;
    const whole = await uninterrupted();
    const dir = freshDir();
    {
      const { model, optimizer, schedule } = resumeModel();
      const { x, y } = resumeData();
      const rng = dataRng();
      await trainEpochs(model, resumeDataset(x, y, rng), schedule, { epochs: RUN.stopAfter, callbacks: [checkpoint(dir, { resumable: true, saveBestOnly: false, monitor: 'loss', schedule, rngs: { data: rng } })] });
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
    }
    const resumed = await resumeFrom(dir);
    expect(resumed.initialEpoch).toBe(RUN.stopAfter);
    expect(resumed.weights).toHaveLength(whole.weights.length);
    resumed.weights.forEach((w, i) => expect(w, `weight ${i}`).toEqual(whole.weights[i]));
    // Adam's iteration count and moments too, and the schedule's rates (history restored, then continued).
    expect(resumed.adam).toEqual(whole.adam);
    expect(resumed.lrs).toEqual(whole.lrs);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('resumes SGD, Momentum (Nesterov), RMSProp (centered), Adagrad and Adadelta bitwise; Adamax is refused', async () => {
    const makers: Array<[string, () => tf.Optimizer]> = [
      ['sgd', () => tf.train.sgd(0.05)],
      ['momentum', () => tf.train.momentum(0.05, 0.9, true)],
      ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true)],
      ['adagrad', () => tf.train.adagrad(0.1)],
      ['adadelta', () => tf.train.adadelta(1, 0.9)],
    ];
    const before = tf.memory().numTensors;
    for (const [name, make] of makers) {
      const fit = (m: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number, initialEpoch = 0, schedule = stepDecay({ initialLR: 0.05, stepSize: 2, gamma: 0.5 })) =>
        m.fit(x, y, { epochs, initialEpoch, batchSize: 4, shuffle: false, verbose: 0, callbacks: [schedule] });
      const a = tinyDense(make());
      await fit(a.model, a.x, a.y, 4);
      const b = tinyDense(make());
      await fit(b.model, b.x, b.y, 2);
      const dir = freshDir();
      await saveTrainingState(b.model, dir, { epoch: 2 });
      const c = tinyDense(make());
      const { initialEpoch } = await restoreTrainingState(c.model, dir);
      await fit(c.model, c.x, c.y, 4, initialEpoch);
      expect(bits(c.model), name).toEqual(bits(a.model));
      for (const run of [a, b, c]) {
        run.model.optimizer.dispose();
        // tfjs' MomentumOptimizer.dispose skips SGD's and leaks the learning-rate scalar `c`: free it here.
        const c = (run.model.optimizer as unknown as { c?: tf.Tensor }).c;
        if (name === 'momentum') {
          expect(c!.isDisposed).toBe(false);
          c!.dispose();
        }
        run.model.dispose();
        tf.dispose([run.x, run.y]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    const d = tinyDense(tf.train.adamax(0.01));
    await expect(saveTrainingState(d.model, freshDir(), { epoch: 0 })).rejects.toThrow(/saveTrainingState: model is compiled with the optimizer Adamax, whose state tfjs cannot read back; use one of SGD, Momentum/);
    d.model.optimizer.dispose();
    d.model.dispose();
    tf.dispose([d.x, d.y]);
  }, 60_000);
});

describe('restoreTrainingState: controls and a SIGKILL [cpu]', () => {
  beforeAll(() => useBackend('cpu'));

  it('controls: a different data order, or tfjs\' own Adam.setWeights (beta^t by pow), breaks the equality the test checks', async () => {
    const whole = await uninterrupted();
    const dir = freshDir();
    const { model, optimizer, schedule } = resumeModel();
    const { x, y } = resumeData();
    const rng = dataRng();
    await trainEpochs(model, resumeDataset(x, y, rng), schedule, { epochs: RUN.stopAfter });
    await saveTrainingState(model, dir, { epoch: RUN.stopAfter, schedule, rngs: { data: rng } });
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
    const otherOrder = await resumeFrom(dir, async (_o, r) => r.setState(createRng(8).getState()));
    expect(otherOrder.weights.some((w, i) => !Buffer.from(w).equals(Buffer.from(whole.weights[i]!)))).toBe(true);
    const viaSetWeights = await resumeFrom(dir, async (o) => {
      // What loadModel's includeOptimizer path does: setWeights recomputes Adam's beta powers.
      const state = await o.getWeights();
      await o.setWeights(state);
      tf.dispose(state.map((s) => s.tensor));
    });
    expect(viaSetWeights.weights.some((w, i) => !Buffer.from(w).equals(Buffer.from(whole.weights[i]!)))).toBe(true);
  }, 60_000);


  it('augmentedBatches({ rng }) with one pass per fitDataset epoch resumes bitwise (the README recipe)', async () => {
    // tfjs reads any object with iterator(); each fit epoch calls it, starting one pass over the data.
    const passes = (x: tf.Tensor4D, y: tf.Tensor4D, rng: Rng): object => {
      const batches = augmentedBatches({ image: x, mask: y }, { batchSize: RUN.batchSize, transform: flip(), rng });
      return { iterator: async () => batches() };
    };
    const run = async (epochs: number, initialEpoch: number, from?: string, to?: string): Promise<Uint8Array[]> => {
      const { model, optimizer, schedule } = resumeModel(from === undefined ? 1 : 5);
      const { x, y } = resumeData();
      const rng = createRng(21);
      let start = initialEpoch;
      if (from !== undefined) start = (await restoreTrainingState(model, from, { schedule, rngs: { data: rng } })).initialEpoch;
      const callbacks = to === undefined ? [] : [checkpoint(to, { resumable: true, saveBestOnly: false, monitor: 'loss', schedule, rngs: { data: rng } })];
      await model.fitDataset(passes(x, y, rng) as never, { epochs, initialEpoch: start, verbose: 0, callbacks: [schedule, ...callbacks] });
      const out = bits(model);
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
      return out;
    };
    const whole = await run(3, 0);
    const dir = freshDir();
    await run(1, 0, undefined, dir);
    expect(await run(3, 0, dir)).toEqual(whole);
  }, 60_000);

  it('a training process killed after its epoch-1 checkpoint resumes to the uninterrupted run\'s bits', async () => {
    const whole = await uninterrupted();
    const dir = freshDir();
    const child = join(import.meta.dirname, 'resumeChild.ts');
    const printed = await new Promise<string>((resolve, reject) => {
      // tsx runs the TypeScript child in plain Node (vitest's transform is not there).
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`epoch ${RUN.stopAfter}\n`)) proc.kill('SIGKILL');
      });
      proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      proc.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(out) : reject(new Error(`the training child was not killed: ${out} ${err}`))));
    });
    expect(printed).not.toContain('finished');
    const resumed = await resumeFrom(dir);
    // Killed during the next epoch (or its save): the checkpoint on disk is epoch 1's or, on a slow
    // machine where the kill lands late, a later one's; training is left to do either way.
    expect(resumed.initialEpoch).toBeGreaterThanOrEqual(RUN.stopAfter);
    expect(resumed.initialEpoch).toBeLessThan(RUN.epochs);
    resumed.weights.forEach((w, i) => expect(w, `weight ${i}`).toEqual(whole.weights[i]));
    expect(resumed.adam).toEqual(whole.adam);
  }, 90_000);
});

describe('restoreTrainingState refusals [cpu]', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = freshDir();
    const { model, optimizer, schedule } = resumeModel();
    const { x, y } = resumeData();
    const rng = dataRng();
    await trainEpochs(model, resumeDataset(x, y, rng), schedule, { epochs: 1 });
    await saveTrainingState(model, dir, { epoch: 1, schedule, rngs: { data: rng }, extra: { best: 0.5, ids: ['a'] } });
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
  });

  /** Restores into a fresh model and expects a UnetKitError matching `message`, with no tensor leaked and the weights untouched. */
  async function expectRefused(from: string, message: RegExp, build = () => resumeModel(3), rngs: Record<string, ReturnType<typeof createRng>> = { data: createRng(1) }): Promise<void> {
    const { model, optimizer, schedule } = build();
    const before = tf.memory().numTensors;
    const weights = bits(model);
    const error = await restoreTrainingState(model, from, { schedule, rngs }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnetKitError);
    expect((error as Error).message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
    expect(bits(model)).toEqual(weights);
    expect(optimizer.iterations).toBe(0);
    model.dispose();
    optimizer.dispose();
  }

  async function copyWith(edit: (json: Record<string, unknown>, weights: Buffer) => void): Promise<string> {
    const to = freshDir();
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const weights = await readFile(join(dir, 'weights.bin'));
    edit(json, weights);
    await saveModelFiles(to, json, weights);
    return to;
  }

  async function saveModelFiles(to: string, json: Record<string, unknown>, weights: Buffer): Promise<void> {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(to, { recursive: true });
    await writeFile(join(to, 'model.json'), JSON.stringify(json));
    await writeFile(join(to, 'weights.bin'), weights);
  }

  it('restores extra, the step and the schedule history; the directory also loads with loadModel', async () => {
    const { model, optimizer, schedule } = resumeModel(3);
    const state = await restoreTrainingState(model, dir, { schedule, rngs: { data: createRng(1) } });
    expect(state).toEqual({ initialEpoch: 1, step: RUN.batchesPerEpoch, learningRate: schedule.history[1]!.lr, extra: { best: 0.5, ids: ['a'] } });
    expect(schedule.history.map((h) => h.step)).toEqual([0, 1]);
    // Restoring again over the optimizer's own moments replaces them: no tensor more, the same state.
    const held = tf.memory().numTensors;
    const adam = await optimizerBits(optimizer);
    await restoreTrainingState(model, dir, { schedule, rngs: { data: createRng(1) } });
    expect(tf.memory().numTensors).toBe(held);
    expect(await optimizerBits(optimizer)).toEqual(adam);
    const loaded = await loadModel(dir);
    expect(bits(loaded)).toEqual(bits(model));
    loaded.dispose();
    model.dispose();
    optimizer.dispose();
  });

  it('refuses a state of another architecture, optimizer or optimizer option', async () => {
    await expectRefused(dir, /restoreTrainingState: dir is '.*', whose training state is from another model: weight \d+ \(.*\) is \[.*\] there and \[.*\] here/, () => resumeModel(3, [2, 8]));
    await expectRefused(dir, /whose training state is from another model: it has \d+ layers where the model has 3/, () => {
      const model = unetLike();
      const optimizer = tf.train.adam(1e-2);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      return { model, optimizer, schedule: polyLR({ initialLR: 1e-2, totalSteps: 8, per: 'batch' }) };
    });
    await expectRefused(dir, /was saved with the optimizer Adam, but the model is compiled with SGD/, () => {
      const m = resumeModel(3);
      m.optimizer.dispose();
      const optimizer = tf.train.sgd(0.1);
      m.model.compile({ optimizer, loss: 'meanSquaredError' });
      return { ...m, optimizer };
    });
    await expectRefused(dir, /has the Adam option beta1 = 0\.9, but the model's optimizer has 0\.5/, () => {
      const m = resumeModel(3);
      m.optimizer.dispose();
      const optimizer = tf.train.adam(1e-2, 0.5);
      m.model.compile({ optimizer, loss: 'meanSquaredError' });
      return { ...m, optimizer };
    });
  });

  it('refuses damaged files: a flipped weight byte, truncated weights, a damaged or missing state record, plain saveModel output', async () => {
    await expectRefused(await copyWith((_j, w) => void (w[100] = w[100]! ^ 1)), /restoreTrainingState: dir is .*SHA-256/);
    const truncated = freshDir();
    {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      await saveModelFiles(truncated, json, (await readFile(join(dir, 'weights.bin'))).subarray(0, 50));
    }
    await expectRefused(truncated, /restoreTrainingState: dir is .*truncated/);
    await expectRefused(await copyWith((j) => ((j[TRAINING_STATE_KEY] as Record<string, unknown>).epoch = -1)), /has a damaged training state: epoch is -1/);
    await expectRefused(await copyWith((j) => ((j[TRAINING_STATE_KEY] as Record<string, Record<string, unknown>>).rngs!.data = { counter: 'x' })), /damaged training state: rngs\.data is/);
    await expectRefused(await copyWith((j) => ((j[TRAINING_STATE_KEY] as Record<string, unknown>).schedule = { per: 'batch', history: [{ step: -1, lr: 1 }], current: 1 })), /damaged training state: learningRateScheduler\.setState: state\.history/);
    await expectRefused(await copyWith((j) => delete j[TRAINING_STATE_KEY]), /holds no training state \(no unetKitTrainingState key: a plain saveModel checkpoint\)/);
    const notJson = freshDir();
    await saveModelFiles(notJson, {}, Buffer.alloc(0));
    await writeFile(join(notJson, 'model.json'), '{"modelTopology": {');
    await expectRefused(notJson, /restoreTrainingState: dir is .*not valid JSON/);
    await expectRefused(join(scratch, 'missing'), /restoreTrainingState: dir is .*has no readable model\.json/);
  });

  it('refuses missing or extra generators and a schedule of another unit; checks its arguments', async () => {
    await expectRefused(dir, /restoreTrainingState: options\.rngs names \[\], but the training state in .* holds the generators \['data'\]/, undefined, {});
    await expectRefused(dir, /options\.rngs names \['data', 'more'\]/, undefined, { data: createRng(1), more: createRng(2) });
    await expectRefused(dir, /options\.schedule advances per 'epoch', but the training state .* per 'batch'/, () => ({ ...resumeModel(3), schedule: polyLR({ initialLR: 1e-2, totalSteps: 8 }) }));
    const { model, optimizer } = resumeModel(3);
    await expect(restoreTrainingState(model, dir, { rngs: { data: {} as never } })).rejects.toThrow(/options\.rngs is .*; expected an object of generators from createRng/);
    await expect(restoreTrainingState(model, '')).rejects.toThrow(/restoreTrainingState: dir is ''/);
    await expect(restoreTrainingState(model, dir, { schedule: 3 as never })).rejects.toThrow(/options\.schedule is 3/);
    await expect(saveTrainingState(model, freshDir(), { epoch: -1 })).rejects.toThrow(/saveTrainingState: options\.epoch is -1/);
    await expect(saveTrainingState(model, freshDir(), { epoch: 1, extra: { f: 1n } })).rejects.toThrow(/saveTrainingState: options\.extra .*JSON value/);
    await expect(saveTrainingState(model, freshDir(), undefined as never)).rejects.toThrow(/saveTrainingState: options is undefined/);
    expect(() => checkpoint(freshDir(), { schedule: polyLR({ initialLR: 1, totalSteps: 2 }) })).toThrow(/checkpoint: options\.resumable is false; expected true when schedule or rngs are given/);
    expect(() => checkpoint(freshDir(), { resumable: true, rngs: { data: 5 as never } })).toThrow(/checkpoint: options\.rngs is .*; expected an object of generators from createRng/);
    expect(() => checkpoint(freshDir(), { resumable: true, schedule: {} as never })).toThrow(/checkpoint: options\.schedule is .*; expected a LearningRateScheduler/);
    expect(() => checkpoint(freshDir(), { resumable: 'yes' as never })).toThrow(/checkpoint: options\.resumable is 'yes'/);
    const bare = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
    await expect(restoreTrainingState(bare, dir)).rejects.toThrow(/restoreTrainingState: model has no optimizer; compile it/);
    bare.dispose();
    model.dispose();
    optimizer.dispose();
  });
});

/** A small conv net with other weight shapes than resumeModel's U-Net. */
function unetLike(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 1] });
  const h = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor });
}
