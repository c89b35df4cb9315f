// The Keras round trip of scripts/keras_roundtrip.py: a saved unet-kit model (with bilinear
// up-sampling, the layer whose arithmetic differed before) goes to Keras 3, predicts there,
// comes back, and trains under tf.distribute.MirroredStrategy. Needs a Python with keras, h5py
// and tensorflow: UNET_KIT_PYTHON names it, else the venv scripts/provision-keras.mjs made (.ci/run
// runs it), else `python3`; without one the suite is skipped and says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../../src/io/index.js';
import { unet } from '../../src/models/unet.js';
import { useBackend } from '../../src/backend/useBackend.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'keras_roundtrip.py');
const PROVISIONED = join(process.env.UNET_KIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'unet-kit'), 'keras-venv', 'bin', 'python');
const PYTHON = process.env.UNET_KIT_PYTHON ?? (existsSync(PROVISIONED) ? PROVISIONED : 'python3');
const ENV = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' };

function hasKeras(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import keras, h5py, numpy, tensorflow'], { env: ENV, timeout: 120_000 });
  return probe.status === 0;
}

const available = hasKeras();
if (!available) {
  console.warn(`Keras round trip skipped: ${PYTHON} cannot import keras, h5py, numpy and tensorflow (run \`node scripts/provision-keras.mjs\` or set UNET_KIT_PYTHON to a Python that can).`);
}

function run(...args: string[]): string {
  const result = spawnSync(PYTHON, [SCRIPT, ...args], { env: ENV, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`keras_roundtrip.py ${args[0]} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe.skipIf(!available)('Keras round trip (scripts/keras_roundtrip.py)', () => {
  it('to Keras and back: the same predictions (bilinear up-sampling included); trains under MirroredStrategy', async () => {
    await useBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'unet-kit-keras-'));
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8], upsampling: 'linear' });
    try {
      await saveModel(model, join(dir, 'tfjs'));
      const x = tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, 256), 0.37)), [1, 16, 16, 1]));
      const ours = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice());
      await writeFile(join(dir, 'x.json'), JSON.stringify({ shape: x.shape, data: Array.from(x.dataSync()) }));

      run('to-keras', join(dir, 'tfjs'), join(dir, 'model.h5'));
      run('predict', join(dir, 'model.h5'), join(dir, 'x.json'), join(dir, 'y.json'));
      const keras = JSON.parse(await readFile(join(dir, 'y.json'), 'utf8')) as { shape: number[]; data: number[] };
      expect(keras.shape).toEqual([1, 16, 16, 2]);
      expect(maxDiff(keras.data, ours)).toBeLessThan(1e-5);

      run('from-keras', join(dir, 'model.h5'), join(dir, 'back'));
      const back = await loadModel(join(dir, 'back'));
      const again = tf.tidy(() => (back.predict(x) as tf.Tensor).dataSync().slice());
      expect(maxDiff(again, ours)).toBeLessThan(1e-5);
      back.dispose();
      x.dispose();

      const fitted = JSON.parse(run('fit', join(dir, 'model.h5')).trim().split('\n').at(-1)!) as { replicas: number; loss: number[] };
      expect(fitted.replicas).toBeGreaterThanOrEqual(1);
      expect(fitted.loss).toHaveLength(1);
      expect(Number.isFinite(fitted.loss[0])).toBe(true);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it("valid-padding U-Nets (the paper's crop-and-concatenate skips) load in Keras as Cropping2D / Cropping3D and predict the same", async () => {
    await useBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'unet-kit-keras-valid-'));
    const models = [
      unet({ inputShape: [44, 44, 1], numClasses: 2, filters: [2, 4, 8], norm: 'none', padding: 'valid', seed: 1 }),
      unet({ inputShape: [12, 12, 12, 1], numClasses: 2, spatialDims: 3, filters: [2, 4], convsPerLevel: 1, padding: 'valid', seed: 2 }),
    ];
    try {
      for (const [k, model] of models.entries()) {
        const shape = [1, ...(model.inputs[0]!.shape.slice(1) as number[])];
        const x = tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, shape.reduce((a, b) => a * b, 1)), 0.37)), shape));
        const ours = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice());
        await saveModel(model, join(dir, `tfjs${k}`));
        await writeFile(join(dir, `x${k}.json`), JSON.stringify({ shape: x.shape, data: Array.from(x.dataSync()) }));
        x.dispose();
        run('to-keras', join(dir, `tfjs${k}`), join(dir, `model${k}.h5`));
        run('predict', join(dir, `model${k}.h5`), join(dir, `x${k}.json`), join(dir, `y${k}.json`));
        const keras = JSON.parse(await readFile(join(dir, `y${k}.json`), 'utf8')) as { shape: number[]; data: number[] };
        expect(keras.shape).toEqual(k === 0 ? [1, 4, 4, 2] : [1, 4, 4, 4, 2]);
        expect(maxDiff(keras.data, ours)).toBeLessThan(1e-5);
      }
    } finally {
      for (const model of models) model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
