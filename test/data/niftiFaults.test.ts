import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { readNifti, writeNifti } from '../../src/data/nifti.js';

/** readNifti either reads a volume whose data fills its shape, or throws a UnetKitError; never a raw error, never a leak. */
async function readsOrRefuses(bytes: Uint8Array): Promise<void> {
  const before = tf.memory().numTensors;
  try {
    const volume = await readNifti(bytes);
    expect(volume.data.length).toBe(volume.shape.reduce((a, b) => a * b, 1));
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(UnetKitError);
    expect((error as UnetKitError).functionName).toBe('readNifti');
  }
  expect(tf.memory().numTensors).toBe(before);
}

describe('readNifti on damaged bytes', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('refuses an empty or header-short buffer with a UnetKitError, not a RangeError', async () => {
    await expect(readNifti(new Uint8Array(0))).rejects.toThrow('readNifti: buffer holds 0 bytes, fewer than a NIfTI header (348); is the file empty or truncated?');
    await expect(readNifti(new ArrayBuffer(100))).rejects.toThrow(/holds 100 bytes, fewer than a NIfTI header/);
    const valid = await writeNifti({ data: new Int16Array(8), shape: [2, 2, 2] });
    await expect(readNifti(valid.subarray(0, 200))).rejects.toThrow(/holds 200 bytes, fewer than a NIfTI header/);
  });

  it('refuses a header with a bad rank or dimensions', async () => {
    const valid = await writeNifti({ data: new Int16Array(8), shape: [2, 2, 2] });
    const zeroDim = new Uint8Array(valid);
    new DataView(zeroDim.buffer).setInt16(42, 0, true); // dim[1] (NIfTI-1 dims start at byte 40)
    await expect(readNifti(zeroDim)).rejects.toThrow(/readNifti: buffer has a NIfTI magic but its dimensions are \[0, 2, 2\]; expected positive integers/);
    const badRank = new Uint8Array(valid);
    new DataView(badRank.buffer).setInt16(40, 9, true);
    await expect(readNifti(badRank)).rejects.toThrow(/its dim\[0\] \(the rank\) is 9; expected 1 to 7/);
  });

  it('any byte string: a volume or a UnetKitError (random bytes, and a valid file truncated, bit-flipped or with random header bytes)', async () => {
    const valid = await writeNifti({ data: new Float32Array(27).map((_, i) => i), shape: [3, 3, 3] });
    const damagedFile = fc.oneof(
      fc.nat({ max: valid.byteLength }).map((n) => valid.subarray(0, n)),
      fc.tuple(fc.nat({ max: valid.byteLength - 1 }), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => {
        const copy = new Uint8Array(valid);
        copy[at] = copy[at]! ^ (1 << bit);
        return copy;
      }),
      // random values over the header fields (dims, datatype, vox_offset ...), the magic kept
      fc.array(fc.tuple(fc.nat({ max: 343 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 12 }).map((edits) => {
        const copy = new Uint8Array(valid);
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      }),
    );
    const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), damagedFile, damagedFile.map((b) => new Uint8Array(gzipSync(b))), fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array([0x1f, 0x8b, ...b])));
    await fc.assert(fc.asyncProperty(anyBytes, readsOrRefuses), { numRuns: 400, seed: 12 });
  });
});
