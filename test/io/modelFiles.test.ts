import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { spatialLayers } from '../../src/layers/spatial.js';
import { UnetKitError } from '../../src/core/errors.js';
import { loadModel, modelDirHandler, saveModel } from '../../src/io/modelFiles.js';
import { groupNormalization } from '../../src/layers/groupNormalization.js';
import { instanceNormalization } from '../../src/layers/instanceNormalization.js';
import { recurrentResidualBlock } from '../../src/blocks/recurrentResidualBlock.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-modelfiles-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
let counter = 0;
const freshDir = () => join(scratch, `m${counter++}`);

/** A tiny 3D net with every kind of weight: conv, instance norm, group norm, up-sampling, dense-free head. */
function tinyNet(): tfl.LayersModel {
  const L = spatialLayers(3);
  const input = tfl.input({ shape: [4, 4, 4, 1] });
  let x = L.conv({ filters: 4, kernelSize: 3, seed: 1, name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  x = instanceNormalization({ name: 'n1' }).apply(x) as tfl.SymbolicTensor;
  x = L.maxPool({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = L.conv({ filters: 4, kernelSize: 3, seed: 2, name: 'c2' }).apply(x) as tfl.SymbolicTensor;
  x = groupNormalization({ groups: 2, name: 'n2' }).apply(x) as tfl.SymbolicTensor;
  x = L.upsample({ size: 2, interpolation: 'linear', name: 'up' }).apply(x) as tfl.SymbolicTensor;
  const output = L.conv({ filters: 2, kernelSize: 1, seed: 3, name: 'head' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  // non-trivial norm weights, so the round trip has to carry them
  for (const name of ['n1', 'n2']) {
    const layer = model.getLayer(name);
    const values = layer.getWeights().map((w, i) => tf.tidy(() => tf.add(tf.mul(tf.range(0, w.shape[0]!), 0.25), i + 0.5)));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

function input(): tf.Tensor {
  return tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 128), [2, 4, 4, 4, 1])));
}

function predictValues(model: tfl.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

describeEachBackend('saveModel / loadModel', () => {
  it('writes model.json and weights.bin in the tfjs layers format', async () => {
    const model = tinyNet();
    const dir = freshDir();
    const result = await saveModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[];
    expect(specs.map((s) => s.name)).toEqual(model.weights.map((w) => w.originalName));
    // every weight is float32: 4 bytes per value
    const bytes = specs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(bytes);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(bytes);
    expect(json.trainingConfig).toBeUndefined();
    model.dispose();
  });

  it('round-trips exactly: bitwise-equal outputs and weights, no tensors left behind', async () => {
    const model = tinyNet();
    const x = input();
    const dir = freshDir();
    const before = tf.memory().numTensors;
    await saveModel(model, dir);
    expect(tf.memory().numTensors).toBe(before);
    const loaded = await loadModel(dir);
    expect(predictValues(loaded, x)).toEqual(predictValues(model, x));
    expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('with includeOptimizer, saves the training config and the optimizer state and restores them', async () => {
    await optimizerRoundTrip();
  });

  async function optimizerRoundTrip(): Promise<void> {
    const inputLayer = tfl.input({ shape: [3, 2] });
    const hidden = groupNormalization({ groups: 1 }).apply(inputLayer) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inputLayer, outputs: tfl.layers.dense({ units: 1, kernelInitializer: 'ones' }).apply(flat) as tfl.SymbolicTensor });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.tidy(() => tf.cos(tf.reshape(tf.range(0, 24), [4, 3, 2])));
    const y = tf.ones([4, 1]);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const dir = freshDir();
    await saveModel(model, dir, { includeOptimizer: true });
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.loss).toBe('mean_squared_error'); // Keras' name
    const optimizerSpecs = (json.weightsManifest[0].weights as { group?: string }[]).filter((s) => s.group === 'optimizer');
    expect(optimizerSpecs.length).toBeGreaterThan(0);

    const loaded = await loadModel(dir);
    expect(loaded.optimizer).toBeDefined();
    const original = await model.optimizer.getWeights();
    const restored = await loaded.optimizer.getWeights();
    expect(restored.map((w) => w.name)).toEqual(original.map((w) => w.name));
    restored.forEach((w, i) => expect(Array.from(w.tensor.dataSync())).toEqual(Array.from(original[i]!.tensor.dataSync())));
    // Training resumes where it stopped. Not bitwise: tfjs' Adam.setWeights recomputes beta^t with
    // pow() where training multiplied step by step (a last-bit difference).
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    await loaded.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expectClose(predictValues(loaded, x), predictValues(model, x), 1e-5);
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  }

  it('loads weights sharded over several files (tensorflowjs_converter layout)', async () => {
    const model = tinyNet();
    const x = input();
    const dir = freshDir();
    await saveModel(model, dir);
    const bin = await readFile(join(dir, 'weights.bin'));
    const cut = 100;
    await writeFile(join(dir, 'group1-shard1of2.bin'), bin.subarray(0, cut));
    await writeFile(join(dir, 'group1-shard2of2.bin'), bin.subarray(cut));
    await rm(join(dir, 'weights.bin'));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const loaded = await tfl.loadLayersModel(modelDirHandler(dir));
    expect(predictValues(loaded, x)).toEqual(predictValues(model, x));
    loaded.dispose();
    x.dispose();
    model.dispose();
  });
});

describeEachBackend('loadModel with shared layers', () => {
  it('frees every weight of a loaded model whose layers are applied several times', async () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const model = tfl.model({ inputs: x, outputs: recurrentResidualBlock(x, 4, { name: 'rr', seed: 3 }) });
    const dir = freshDir();
    await saveModel(model, dir);
    model.dispose();
    const before = tf.memory().numTensors;
    const loaded = await loadModel(dir);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    loaded.dispose();
    // Without claiming the shared recurrent convs, their weights would outlive the model.
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('saved model.json in a program that imports only tfjs and unet-kit/layers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('loads with plain tfl.loadLayersModel and a file-reading handler, giving bitwise-equal outputs', async () => {
    const model = tinyNet();
    const x = input();
    const dir = freshDir();
    await saveModel(model, dir);
    const expected = predictValues(model, x);
    // The child imports tfjs, the cpu backend and src/layers/index.ts (through tsx), nothing else of unet-kit.
    const script = `
      import '@tensorflow/tfjs-backend-cpu';
      import * as tf from '@tensorflow/tfjs-core';
      import * as tfl from '@tensorflow/tfjs-layers';
      import { readFile } from 'node:fs/promises';
      import '${join(root, 'src', 'layers', 'index.ts')}';
      await tf.setBackend('cpu');
      const dir = ${JSON.stringify(dir)};
      const handler = {
        load: async () => {
          const json = JSON.parse(await readFile(dir + '/model.json', 'utf8'));
          const bin = await readFile(dir + '/' + json.weightsManifest[0].paths[0]);
          return {
            modelTopology: json.modelTopology,
            format: json.format,
            weightSpecs: json.weightsManifest[0].weights,
            weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
          };
        },
      };
      const model = await tfl.loadLayersModel(handler);
      const x = tf.sin(tf.reshape(tf.range(0, 128), [2, 4, 4, 4, 1]));
      console.log(JSON.stringify(Array.from(model.predict(x).dataSync())));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    // The child runs stock tfjs kernels, this process unet-kit's (installed by useBackend): the
    // same weights give the same outputs up to float32 summation order, not bit for bit.
    expectClose(JSON.parse(lines[lines.length - 1]!), expected, 1e-5);
    x.dispose();
    model.dispose();
  });
});

describe('saveModel / loadModel errors', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects bad arguments with UnetKitError', async () => {
    const model = tinyNet();
    await expect(saveModel(null as never, freshDir())).rejects.toThrow(
      'saveModel: model is null; expected a tf.LayersModel (from tf.model, tf.sequential or a unet-kit factory).',
    );
    await expect(saveModel(model, '')).rejects.toThrow("saveModel: dir is ''; expected a directory path (a non-empty string).");
    await expect(saveModel(model, freshDir(), { includeOptimiser: true } as never)).rejects.toThrow(
      "saveModel: options.includeOptimiser is not a known option; expected one of includeOptimizer, integrity, quantize. Did you mean 'includeOptimizer'?",
    );
    await expect(saveModel(model, freshDir(), { includeOptimizer: 1 } as never)).rejects.toThrow(UnetKitError);
    await expect(loadModel(42 as never)).rejects.toThrow('loadModel: dir is 42; expected a directory path (a non-empty string).');
    model.dispose();
  });

  it('saves the optimizer without leaking a tensor per save (tfjs leaks the Adam iteration scalar)', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const [x, y] = [tf.ones([2, 3]), tf.zeros([2, 2])];
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await saveModel(model, freshDir(), { includeOptimizer: true });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('refuses includeOptimizer for a model compiled with a loss array of functions (deep supervision), naming the option', async () => {
    const input = tfl.input({ shape: [3] });
    const a = tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [a, b] });
    const mse = (t: tf.Tensor, p: tf.Tensor) => tf.losses.meanSquaredError(t, p);
    model.compile({ optimizer: 'sgd', loss: [mse, mse] });
    const before = tf.memory().numTensors;
    const dir = freshDir();
    await expect(saveModel(model, dir, { includeOptimizer: true })).rejects.toThrow(
      /^saveModel: options.includeOptimizer is true, but the model's training config cannot be saved \(Serialization of non-string loss is not supported.\): tfjs stores losses by name/,
    );
    expect(tf.memory().numTensors).toBe(before);
    await saveModel(model, dir); // the weights alone still save
    (await loadModel(dir)).dispose();
    model.dispose();
  });

  it('says what is missing in a directory that is not a saved model', async () => {
    const empty = freshDir();
    await expect(loadModel(empty)).rejects.toThrow(new RegExp(`^loadModel: dir is '${empty}', which has no readable model.json`));
    const model = tinyNet();
    const dir = freshDir();
    await saveModel(model, dir);
    await rm(join(dir, 'weights.bin'));
    await expect(loadModel(dir)).rejects.toThrow(/lacks the weight file '.\/weights.bin' named in model.json/);
    await writeFile(join(dir, 'model.json'), '{ not json');
    await expect(loadModel(dir)).rejects.toThrow(/whose model.json is not valid JSON/);
    await writeFile(join(dir, 'model.json'), '{"format": "graph-model"}');
    await expect(loadModel(dir)).rejects.toThrow(/has no modelTopology/);
    model.dispose();
  });

  it('throws a clear UnetKitError outside Node (browser) instead of touching node:fs', async () => {
    const model = tinyNet();
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
    let saving: Promise<unknown>;
    let loading: Promise<unknown>;
    // The runtime check runs synchronously inside the call, so hide `process` only around the calls.
    Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
    try {
      saving = saveModel(model, 'models/unet');
      loading = loadModel('models/unet');
    } finally {
      Object.defineProperty(globalThis, 'process', descriptor);
    }
    await expect(saving).rejects.toThrow(/^saveModel: dir needs Node.js file access, which this runtime lacks; in a browser use model.save\('indexeddb:\/\/name'\)/);
    await expect(loading).rejects.toThrow(/^loadModel: dir needs Node.js file access/);
    model.dispose();
  });
});
