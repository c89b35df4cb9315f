import type * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { importNodeBuiltin } from '../core/platform.js';

/**
 * unet-kit's integrity record, stored under this key at the top level of `model.json` (tfjs
 * ignores unknown top-level keys, so stock `tf.loadLayersModel` still reads the file).
 */
export const INTEGRITY_KEY = 'unetKitIntegrity';

/** The integrity record {@link saveModel} writes: the weight bytes' total and SHA-256. */
export interface WeightIntegrity {
  /** Total bytes of all weight files, in manifest order. */
  readonly weightBytes: number;
  /** Lower-case hex SHA-256 of those bytes, concatenated. */
  readonly sha256: string;
}

const BYTES_PER_VALUE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** SHA-256 of `bytes` as lower-case hex (node:crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const crypto = await importNodeBuiltin<typeof import('node:crypto')>('crypto');
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function invalid(dir: string, what: string): UnetKitError {
  return new UnetKitError('loadModel', 'dir', `is '${dir}', whose model.json ${what}`);
}

/**
 * Checks a weight manifest's entries (name, shape of non-negative integers, known dtype) and
 * returns the bytes their values take, or `undefined` when a `string` weight makes the size
 * data-dependent. Sizes follow tfjs' encoding (`tf.io.encodeWeights`): quantized entries take
 * the quantized dtype's size.
 */
export function manifestByteTotal(dir: string, manifest: unknown): number | undefined {
  if (!Array.isArray(manifest)) throw invalid(dir, `has a weightsManifest of ${formatValue(manifest)}; expected an array of { paths, weights } groups.`);
  let total = 0;
  let sized = true;
  manifest.forEach((group: unknown, g) => {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '' && !p.includes('\0'))) {
      throw invalid(dir, `has weightsManifest[${g}].paths ${formatValue(paths)}; expected an array of file names.`);
    }
    if (!Array.isArray(weights)) throw invalid(dir, `has weightsManifest[${g}].weights ${formatValue(weights)}; expected an array of weight entries.`);
    for (const entry of weights as unknown[]) {
      const { name, shape, dtype, quantization } = (entry ?? {}) as Partial<tf.io.WeightsManifestEntry>;
      const where = `weight ${formatValue(name)} of weightsManifest[${g}]`;
      if (typeof name !== 'string') throw invalid(dir, `has a weight entry without a name (${formatValue(entry)}).`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw invalid(dir, `gives ${where} the shape ${formatValue(shape)}; expected an array of non-negative integers.`);
      }
      if (dtype === 'string') {
        sized = false;
        continue;
      }
      const stored = quantization?.dtype ?? dtype;
      const size = typeof stored === 'string' ? BYTES_PER_VALUE[stored] : undefined;
      if (size === undefined) throw invalid(dir, `gives ${where} the dtype ${formatValue(stored)}; expected float32, int32, bool or a quantized uint8/uint16/float16.`);
      total += size * shape.reduce((a, b) => a * b, 1);
    }
  });
  return sized ? total : undefined;
}

/**
 * Checks the weight bytes read from `dir` against the manifest's byte total and, when
 * `model.json` carries a {@link WeightIntegrity} record, against its size and SHA-256, so a
 * truncated, padded or bit-flipped weight file is refused before any layer is built.
 */
export async function verifyWeightBytes(dir: string, expectedBytes: number | undefined, bytes: Uint8Array, integrity: unknown): Promise<void> {
  if (expectedBytes !== undefined && bytes.byteLength !== expectedBytes) {
    const shortOrLong = bytes.byteLength < expectedBytes ? 'truncated' : 'padded or from another model';
    throw new UnetKitError(
      'loadModel',
      'dir',
      `is '${dir}', whose weight files hold ${bytes.byteLength} bytes where model.json's weightsManifest describes ${expectedBytes} (${shortOrLong}); the checkpoint is damaged.`,
    );
  }
  if (integrity === undefined) return;
  const record = integrity as Partial<WeightIntegrity>;
  if (record === null || typeof record !== 'object' || typeof record.sha256 !== 'string' || typeof record.weightBytes !== 'number') {
    throw invalid(dir, `has a malformed ${INTEGRITY_KEY} record ${formatValue(integrity)}; expected { weightBytes, sha256 }.`);
  }
  if (record.weightBytes !== bytes.byteLength) {
    throw new UnetKitError('loadModel', 'dir', `is '${dir}', whose weight files hold ${bytes.byteLength} bytes where saveModel wrote ${record.weightBytes}; the checkpoint is damaged.`);
  }
  const actual = await sha256Hex(bytes);
  if (actual !== record.sha256) {
    throw new UnetKitError(
      'loadModel',
      'dir',
      `is '${dir}', whose weight files have SHA-256 ${actual} where saveModel recorded ${record.sha256}; the checkpoint is corrupt (a changed or bit-flipped byte).`,
    );
  }
}
