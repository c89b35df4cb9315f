import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { manifestByteTotal, sha256Hex } from '../../src/io/weightManifest.js';

let scratch: string;
let counter = 0;
const freshDir = () => join(scratch, `m${counter++}`);

beforeAll(async () => {
  await useBackend('cpu');
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-faults-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** conv 3x3 (1 -> 4 filters, 36 + 4 values) and a 1x1 head (4 -> 2, 8 + 2): 50 float32 = 200 bytes. */
function smallNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 1] });
  const x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: 'glorotUniform', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  const y = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'head' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: y });
}

async function savedDir(options: { integrity?: boolean } = {}): Promise<string> {
  const model = smallNet();
  const dir = freshDir();
  await saveModel(model, dir, options);
  model.dispose();
  return dir;
}

/** loadModel must reject with a UnetKitError and leave tf.memory() as it found it. */
async function expectRejectedWithoutLeak(dir: string, message: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  const error = await loadModel(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnetKitError);
  expect((error as Error).message).toMatch(message);
  expect(tf.memory().numTensors, 'tensors leaked by a failed load').toBe(before);
}

describe('manifestByteTotal', () => {
  it('sums 4 bytes per float32/int32 value, 1 per bool, the quantized size when quantized', () => {
    const manifest = [
      {
        paths: ['a.bin'],
        weights: [
          { name: 'k', shape: [3, 3, 1, 4], dtype: 'float32' },
          { name: 'i', shape: [], dtype: 'int32' },
          { name: 'b', shape: [5], dtype: 'bool' },
          { name: 'q', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } },
        ],
      },
    ];
    expect(manifestByteTotal('d', manifest)).toBe(36 * 4 + 4 + 5 + 10);
    expect(manifestByteTotal('d', [{ paths: [], weights: [{ name: 's', shape: [1], dtype: 'string' }] }])).toBeUndefined();
  });

  it('names the bad entry of a malformed manifest', () => {
    expect(() => manifestByteTotal('d', {})).toThrow("loadModel: dir is 'd', whose model.json has a weightsManifest of {}; expected an array");
    expect(() => manifestByteTotal('d', [{ paths: ['a'], weights: [{ name: 'k', shape: [-1], dtype: 'float32' }] }])).toThrow(
      "gives weight 'k' of weightsManifest[0] the shape [-1]; expected an array of non-negative integers.",
    );
    expect(() => manifestByteTotal('d', [{ paths: ['a'], weights: [{ name: 'k', shape: [1], dtype: 'float64' }] }])).toThrow(/the dtype 'float64'/);
    expect(() => manifestByteTotal('d', [{ paths: 'a', weights: [] }])).toThrow(/weightsManifest\[0\].paths 'a'/);
  });
});

describe('loadModel on damaged weight files', () => {
  it('records the weight bytes and their SHA-256 in model.json', async () => {
    const dir = await savedDir();
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bin = await readFile(join(dir, 'weights.bin'));
    expect(bin.byteLength).toBe(200);
    expect(json.unetKitIntegrity).toEqual({ weightBytes: 200, sha256: await sha256Hex(bin) });
    expect((await savedDir({ integrity: false })) && true).toBe(true);
  });

  it('refuses a truncated, an empty and a padded weights.bin before building anything', async () => {
    for (const integrity of [true, false]) {
      const dir = await savedDir({ integrity });
      const bin = await readFile(join(dir, 'weights.bin'));
      await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.byteLength - 3));
      await expectRejectedWithoutLeak(dir, /whose weight files hold 197 bytes where model.json's weightsManifest describes 200 \(truncated\)/);
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(0));
      await expectRejectedWithoutLeak(dir, /hold 0 bytes where .* describes 200 \(truncated\)/);
      await writeFile(join(dir, 'weights.bin'), Buffer.concat([bin, Buffer.alloc(64, 7)]));
      await expectRejectedWithoutLeak(dir, /hold 264 bytes where .* describes 200 \(padded or from another model\)/);
    }
  });

  it('refuses a bit-flipped weights.bin by its SHA-256; without the record it loads the flipped value', async () => {
    const dir = await savedDir();
    const bin = await readFile(join(dir, 'weights.bin'));
    const flipped = Buffer.from(bin);
    flipped[41] = flipped[41]! ^ 0x10;
    await writeFile(join(dir, 'weights.bin'), flipped);
    await expectRejectedWithoutLeak(dir, /whose weight files have SHA-256 [0-9a-f]{64} where saveModel recorded [0-9a-f]{64}; the checkpoint is corrupt/);

    const plain = await savedDir({ integrity: false });
    const original = await loadModel(plain);
    const kernel = Array.from(original.getLayer('c1').getWeights()[0]!.dataSync());
    original.dispose();
    const plainBin = Buffer.from(await readFile(join(plain, 'weights.bin')));
    plainBin[3] = plainBin[3]! ^ 0x01; // float 0 of the kernel, lowest exponent bit
    await writeFile(join(plain, 'weights.bin'), plainBin);
    const loaded = await loadModel(plain);
    const changed = Array.from(loaded.getLayer('c1').getWeights()[0]!.dataSync());
    expect(changed.filter((v, i) => v !== kernel[i])).toHaveLength(1);
    loaded.dispose();
  });

  it('refuses a manifest whose shapes were edited, whether or not the byte total still matches, without a leak', async () => {
    const dir = await savedDir();
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const kernel = json.weightsManifest[0].weights[0];
    expect(kernel.shape).toEqual([3, 3, 1, 4]);
    kernel.shape = [3, 3, 4, 1]; // same 36 values: passes the byte check, fails in the layer
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expectRejectedWithoutLeak(dir, /whose weights do not fit the topology/);
    kernel.shape = [3, 3, 1, 5];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expectRejectedWithoutLeak(dir, /hold 200 bytes where model.json's weightsManifest describes 236/);
  });

  it('any byte string as weights.bin: loads (exact length, no integrity record) or a UnetKitError, never a raw error or a leak', async () => {
    const withRecord = await savedDir();
    const without = await savedDir({ integrity: false });
    const original = await readFile(join(without, 'weights.bin'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ minLength: 200, maxLength: 200 })), async (bytes) => {
        for (const dir of [withRecord, without]) {
          await writeFile(join(dir, 'weights.bin'), bytes);
          const before = tf.memory().numTensors;
          try {
            const model = await loadModel(dir);
            expect(dir === without && bytes.byteLength === 200 || Buffer.from(bytes).equals(original)).toBe(true);
            model.dispose();
          } catch (error) {
            expect(error).toBeInstanceOf(UnetKitError);
          }
          expect(tf.memory().numTensors).toBe(before);
        }
      }),
      { numRuns: 40, seed: 12 },
    );
  });

  it('any byte string (or JSON value) as model.json: a UnetKitError, never a raw error or a leak', async () => {
    const dir = await savedDir();
    const original = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const mutatedJson = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // keep the file a model but break one of its parts
      fc.constantFrom('modelTopology', 'weightsManifest', 'unetKitIntegrity', 'format', 'trainingConfig').chain((key) =>
        fc.jsonValue().map((v) => JSON.stringify({ ...original, [key]: v })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), mutatedJson), async (contents) => {
        await writeFile(join(dir, 'model.json'), contents);
        const before = tf.memory().numTensors;
        try {
          // A changed 'format' alone still loads (tfjs ignores it); everything else must fail cleanly.
          (await loadModel(dir)).dispose();
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(UnetKitError);
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 60, seed: 12 },
    );
  });
});
