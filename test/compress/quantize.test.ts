import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { float32ToFloat16Bits } from '../../src/compress/float16.js';
import { affineRange, quantizeWeights } from '../../src/compress/quantize.js';
import { UnetKitError } from '../../src/core/errors.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function decode(data: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): Record<string, number[]> {
  const map = tf.io.decodeWeights(data, specs);
  const out = Object.fromEntries(Object.entries(map).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(map));
  return out;
}

function buffer(...arrays: Array<Float32Array | Int32Array>): ArrayBuffer {
  return tf.io.concatenateArrayBuffers(arrays.map((a) => a.slice().buffer as ArrayBuffer));
}

describe('affineRange', () => {
  it("is tfjs-converter's nudged range: 0 is exactly a code when the range covers it", () => {
    const r = affineRange(-1, 3, 'uint8');
    expect(r.scale).toBe(4 / 255);
    expect(r.min).toBe(-64 * (4 / 255));
    expect(64 * r.scale + r.min).toBe(0);
    // All positive (a norm's gamma): no nudge, min is the minimum.
    expect(affineRange(0.5, 2, 'uint16')).toEqual({ scale: 1.5 / 65535, min: 0.5 });
    expect(affineRange(-2, -2, 'uint8')).toEqual({ scale: 1, min: -2 });
    expect(() => affineRange(3, 1, 'uint8')).toThrow(/affineRange: minValue, maxValue is \[3, 1\]; expected finite numbers with minValue <= maxValue/);
  });
});

describe('float32ToFloat16Bits', () => {
  it('gives the IEEE half bit patterns, rounding to nearest even, with overflow, subnormals and NaN', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie: to even (0)
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2: to even (2)
      [1 + 2 ** -11, 0x3c00], // tie: to even (1)
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [value, bits] of cases) expect(float32ToFloat16Bits(value), String(value)).toBe(bits);
    expect(float32ToFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it("round-trips through tfjs-core's float16 decoder to the nearest half", () => {
    const values = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 9) - 4));
    const { weightData, weightSpecs } = quantizeWeights(buffer(values), [{ name: 'w', shape: [200], dtype: 'float32' }], 'float16');
    expect(weightData.byteLength).toBe(400);
    expect(weightSpecs[0]!.quantization).toEqual({ dtype: 'float16' });
    const back = decode(weightData, weightSpecs).w!;
    values.forEach((v, i) => {
      // half precision: 11 significant bits (relative error <= 2^-11), absolute 2^-25 in the subnormals
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    });
  });
});

describe('quantizeWeights', () => {
  const kernel = Float32Array.from({ length: 64 }, (_, i) => (i % 8 === 0 ? 0 : Math.cos(i) * 0.3 - 0.05));
  const steps = new Int32Array([7, -3]);
  const moment = Float32Array.from([0.125, -0.5]);
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'conv/kernel', shape: [4, 4, 4], dtype: 'float32' },
    { name: 'counter', shape: [2], dtype: 'int32' },
    { name: 'adam/m', shape: [2], dtype: 'float32', group: 'optimizer' },
  ];
  const data = buffer(kernel, steps, moment);

  for (const dtype of ['uint8', 'uint16'] as const) {
    it(`${dtype}: per-tensor min/scale entries, error <= scale / 2, zeros exact, int32 and optimizer state untouched`, () => {
      const { weightData, weightSpecs } = quantizeWeights(data, specs, dtype);
      const bytes = dtype === 'uint8' ? 1 : 2;
      expect(weightData.byteLength).toBe(64 * bytes + 8 + 8);
      const q = weightSpecs[0]!.quantization!;
      expect(q.dtype).toBe(dtype);
      const lo = Math.min(...kernel);
      const hi = Math.max(...kernel);
      expect(q.scale).toBeCloseTo((hi - lo) / (dtype === 'uint8' ? 255 : 65535), 12);
      expect(weightSpecs[1]).toEqual(specs[1]);
      expect(weightSpecs[2]).toEqual(specs[2]);
      const back = decode(weightData, weightSpecs);
      kernel.forEach((v, i) => {
        expect(Math.abs(back['conv/kernel']![i]! - v)).toBeLessThanOrEqual(q.scale! / 2 + 1e-7);
        if (v === 0) expect(back['conv/kernel']![i]).toBe(0);
      });
      expect(back.counter).toEqual([7, -3]);
      expect(back['adam/m']).toEqual([0.125, -0.5]);
      // The input is not changed.
      expect(specs[0]!.quantization).toBeUndefined();
    });
  }

  it('uint8 stores a float32 model in a quarter of the bytes; re-quantizing a quantized entry copies it', () => {
    const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const once = quantizeWeights(buffer(big), [{ name: 'w', shape: [1000], dtype: 'float32' }], 'uint8');
    expect(once.weightData.byteLength / (4 * 1000)).toBe(0.25);
    const twice = quantizeWeights(once.weightData, once.weightSpecs, 'float16');
    expect(twice.weightSpecs).toEqual(once.weightSpecs);
    expect(new Uint8Array(twice.weightData)).toEqual(new Uint8Array(once.weightData));
  });

  it('rejects mismatched buffers, non-finite weights, string tensors and unknown types', () => {
    const w = [{ name: 'w', shape: [2], dtype: 'float32' as const }];
    expect(() => quantizeWeights(buffer(new Float32Array(1)), w, 'uint8')).toThrow(/quantizeWeights: weightData has 4 bytes, fewer than weightSpecs describe \(w ends at byte 8\)/);
    expect(() => quantizeWeights(buffer(new Float32Array(3)), w, 'uint8')).toThrow(/weightData has 12 bytes; weightSpecs describe 8/);
    expect(() => quantizeWeights(buffer(Float32Array.from([1, NaN])), w, 'uint8')).toThrow(/weightData is NaN; expected finite weights only/);
    expect(() => quantizeWeights(buffer(new Float32Array(2)), [{ name: 's', shape: [1], dtype: 'string' }], 'uint8')).toThrow(/string tensor 's'/);
    expect(() => quantizeWeights(buffer(new Float32Array(2)), w, 'int8' as never)).toThrow(UnetKitError);
    expect(() => quantizeWeights(buffer(new Float32Array(2)), w, 'int8' as never)).toThrow(/dtype is 'int8'; expected one of 'uint8', 'uint16', 'float16'/);
    expect(() => quantizeWeights(new Float32Array(2) as never, w, 'uint8')).toThrow(/weightData is .*; expected an ArrayBuffer/);
  });
});
