import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { modelDirHandler, saveModel } from '../../src/io/modelFiles.js';
import { unet } from '../../src/models/unet.js';

let scratch: string;
beforeAll(async () => {
  await useBackend('cpu');
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-quantized-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('saveModel(..., { quantize })', () => {
  it('writes quantization entries that stock tf.loadLayersModel dequantizes: sizes, weight error and outputs', async () => {
    const model = unet({ inputShape: [16, 16, 1], numClasses: 2, filters: [4, 8], norm: 'instance', finalActivation: 'none', seed: 3 });
    const x = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 1);
    const reference = model.predict(x) as tf.Tensor;
    const floatDir = join(scratch, 'float32');
    await saveModel(model, floatDir);
    const floatBytes = (await stat(join(floatDir, 'weights.bin'))).size;
    expect(floatBytes).toBe(model.countParams() * 4);
    const before = tf.memory().numTensors;
    for (const [dtype, ratio, tolerance] of [
      ['uint8', 0.25, 0.05],
      ['uint16', 0.5, 3e-4],
      ['float16', 0.5, 3e-3],
    ] as const) {
      const dir = join(scratch, dtype);
      const result = await saveModel(model, dir, { quantize: dtype });
      const bytes = (await stat(join(dir, 'weights.bin'))).size;
      expect(bytes / floatBytes, dtype).toBe(ratio);
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(bytes);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      for (const entry of json.weightsManifest[0]!.weights) {
        expect(entry.quantization?.dtype, entry.name).toBe(dtype);
        if (dtype !== 'float16') {
          expect(entry.quantization!.scale).toBeGreaterThan(0);
          expect(typeof entry.quantization!.min).toBe('number');
        }
      }
      const loaded = await tfl.loadLayersModel(modelDirHandler(dir));
      // Each weight within half a quantization step of the original.
      const original = model.getWeights();
      loaded.getWeights().forEach((w, i) => {
        const spec = json.weightsManifest[0]!.weights[i]!;
        const error = tf.tidy(() => tf.max(tf.abs(tf.sub(w, original[i]!))).dataSync()[0]!);
        const step = dtype === 'float16' ? tf.tidy(() => tf.max(tf.abs(original[i]!)).dataSync()[0]! * 2 ** -11) : spec.quantization!.scale! / 2;
        expect(error, `${dtype} ${spec.name}`).toBeLessThanOrEqual(step * 1.0001 + 1e-9);
      });
      const y = loaded.predict(x) as tf.Tensor;
      // relative to the output's range (instance norm rescales, so absolute errors grow with depth)
      const outputError = tf.tidy(() => tf.max(tf.abs(tf.sub(y, reference))).dataSync()[0]! / tf.sub(tf.max(reference), tf.min(reference)).dataSync()[0]!);
      expect(outputError, dtype).toBeGreaterThan(0);
      expect(outputError, dtype).toBeLessThan(tolerance);
      y.dispose();
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, reference]);
    model.dispose();
  });

  it('rejects an unknown quantization before writing anything', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    const dir = join(scratch, 'bad');
    await expect(saveModel(model, dir, { quantize: 'int8' as never })).rejects.toThrow(UnetKitError);
    await expect(saveModel(model, dir, { quantize: 'uint4' as never })).rejects.toThrow(/saveModel: options.quantize is 'uint4'; expected one of 'uint8', 'uint16', 'float16'. Did you mean 'uint8'\?/);
    await expect(stat(dir)).rejects.toThrow();
    model.dispose();
  });
});
