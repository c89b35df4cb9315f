import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { affine, affineMatrix, type AffineParams } from '../../src/augment/affine.js';
import { rot90 } from '../../src/augment/rotate90.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { blobImage, flat, labelsOf, rampImage } from './helpers.js';

const identity2d = (n: number): AffineParams => ({
  rotation: Array.from({ length: n }, () => [0]),
  scale: Array.from({ length: n }, () => [1, 1]),
  translation: Array.from({ length: n }, () => [0, 0]),
  shear: Array.from({ length: n }, () => [0]),
});

describe('affineMatrix', () => {
  it('composes rotation, shear and zoom about the centre', () => {
    // 90 degrees: [[cos, sin], [-sin, cos]] = [[0, 1], [-1, 0]]; zoom 2 halves the columns.
    const { matrix, offset } = affineMatrix(2, { rotation: [90], scale: [2, 2], translation: [0.25, 0], shear: [0] }, [8, 8]);
    expect(matrix[0]![0]).toBeCloseTo(0, 12);
    expect(matrix[0]![1]).toBeCloseTo(0.5, 12);
    expect(matrix[1]![0]).toBeCloseTo(-0.5, 12);
    // translation 0.25 of 8 voxels moves the content +2: sample 2 voxels back.
    expect(offset).toEqual([-2, 0]);
  });
});

describeEachBackend('affine', () => {
  it('with identity parameters returns the input bit for bit (2D and 3D)', async () => {
    const image = rampImage([2, 9, 7, 2]);
    const mask = labelsOf(tf.slice(image, [0, 0, 0, 0], [-1, -1, -1, 1]));
    const out = await expectNoLeak(() => affine().apply({ image, mask }, identity2d(2)));
    expect(await flat(out.image)).toEqual(await flat(image));
    expect(await flat(out.mask!)).toEqual(await flat(mask));
    const volume = rampImage([1, 5, 6, 4, 1]);
    const out3 = affine().apply({ image: volume }, { rotation: [[0, 0, 0]], scale: [[1, 1, 1]], translation: [[0, 0, 0]], shear: [[0, 0, 0]] });
    expect(await flat(out3.image)).toEqual(await flat(volume));
    tf.dispose([image, mask, out.image, out.mask!, volume, out3.image]);
  });

  it('rotating by 90 degrees equals rotate90 (2D; 3D in each plane)', async () => {
    const image = rampImage([1, 8, 8, 1]);
    const out = affine().apply({ image }, { ...identity2d(1), rotation: [[90]] });
    const reference = rot90(image, 1, 1, 2);
    const a = await flat(out.image);
    const b = await flat(reference);
    // Square, even size: the rotation maps the grid onto itself, so it is exact up to float noise everywhere.
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5));
    const volume = rampImage([1, 6, 6, 6, 1]);
    const planes: Array<[number, number]> = [[2, 3], [1, 3], [1, 2]];
    for (let p = 0; p < 3; p++) {
      const rotation = [0, 0, 0];
      rotation[p] = 90;
      const o = affine().apply({ image: volume }, { rotation: [rotation], scale: [[1, 1, 1]], translation: [[0, 0, 0]], shear: [[0, 0, 0]] });
      const r = rot90(volume, 1, planes[p]![0], planes[p]![1]);
      const [x, y] = [await flat(o.image), await flat(r)];
      x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(1e-5));
      tf.dispose([o.image, r]);
    }
    tf.dispose([image, out.image, reference, volume]);
  });

  it('masks keep only label values present before (nearest), any parameters', async () => {
    const image = rampImage([3, 12, 12, 1]);
    const mask = labelsOf(image);
    const before = new Set(await flat(mask));
    const t = affine({ rotation: 40, scale: [0.7, 1.4], translation: 0.2, shear: 0.3, seed: 5 });
    for (let i = 0; i < 3; i++) {
      const out = t({ image, mask });
      expect(out.mask!.dtype).toBe('int32');
      for (const v of new Set(await flat(out.mask!))) expect(before.has(v)).toBe(true);
      tf.dispose([out.image, out.mask!]);
    }
    tf.dispose([image, mask]);
  });

  it('keeps image and mask aligned: thresholded output image equals output mask away from edges', async () => {
    const image = blobImage(2, [24, 24]);
    const mask = tf.cast(tf.greater(image, 0.5), 'int32');
    const out = affine({ rotation: 30, scale: [0.8, 1.2], translation: 0.05, seed: 11 })({ image, mask });
    const thresholded = await flat(tf.cast(tf.greater(out.image, 0.5), 'int32'));
    const moved = await flat(out.mask!);
    const values = await flat(out.image);
    // Away from edges: where the interpolated image is not within 0.05 of the threshold.
    let compared = 0;
    moved.forEach((m, i) => {
      if (Math.abs(values[i]! - 0.5) > 0.05) {
        expect(m).toBe(thresholded[i]);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(900);
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('same seed gives the same output, different seeds differ', async () => {
    const image = rampImage([2, 10, 10, 1]);
    const t = affine({ rotation: 15 });
    const a = t({ image }, 7);
    const b = t({ image }, 7);
    const c = t({ image }, 8);
    expect(await flat(a.image)).toEqual(await flat(b.image));
    expect(await flat(a.image)).not.toEqual(await flat(c.image));
    // The factory seed makes a repeatable sequence of calls.
    const s1 = affine({ seed: 3 });
    const s2 = affine({ seed: 3 });
    const [x1, x2] = [s1({ image }), s2({ image })];
    const [y1, y2] = [s1({ image }), s2({ image })];
    expect(await flat(x1.image)).toEqual(await flat(x2.image));
    expect(await flat(y1.image)).toEqual(await flat(y2.image));
    expect(await flat(x1.image)).not.toEqual(await flat(y1.image));
    tf.dispose([image, a.image, b.image, c.image, x1.image, x2.image, y1.image, y2.image]);
  });

  it('draws parameters inside their ranges, per sample and per probability', async () => {
    const image = tf.zeros([64, 4, 4, 1]);
    const volume = tf.zeros([64, 4, 4, 4, 1]);
    const { createRng } = await import('../../src/core/rng.js');
    const t = affine({ rotation: [-10, 20], scale: [0.8, 1.3], translation: 0.1, shear: 0.2, isotropicScale: false, rotationProbability: 0.5 });
    const p = t.draw(createRng(1), 64, { image });
    const rotations = p.rotation.flat();
    rotations.forEach((r) => expect(r === 0 || (r >= -10 && r <= 20)).toBe(true));
    const zero = rotations.filter((r) => r === 0).length;
    expect(zero).toBeGreaterThan(16); // about half of 64 are not rotated
    expect(zero).toBeLessThan(48);
    p.scale.flat().forEach((s) => expect(s >= 0.8 && s <= 1.3).toBe(true));
    expect(p.scale.some(([a, b]) => a !== b)).toBe(true);
    p.translation.flat().forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(0.1));
    p.shear.flat().forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(0.2));
    const p3 = affine({ rotation: [5, 10, [0, 30]] }).draw(createRng(2), 64, { image: volume });
    p3.rotation.forEach(([a, b, c]) => {
      expect(Math.abs(a!)).toBeLessThanOrEqual(5);
      expect(Math.abs(b!)).toBeLessThanOrEqual(10);
      expect(c! >= 0 && c! <= 30).toBe(true);
    });
    tf.dispose([image, volume]);
  });

  it('does not leak', async () => {
    const image = rampImage([2, 8, 8, 8, 1]);
    const mask = labelsOf(image);
    await expectNoLeak(() => affine({ seed: 1 })({ image, mask }));
    tf.dispose([image, mask]);
  });

  it('rejects bad input with one clear error', () => {
    const image = tf.zeros([1, 8, 8, 1]);
    expect(() => affine({ rotationProbability: 1.5 })).toThrow(/affine: options.rotationProbability is 1.5; expected a finite number >= 0 and <= 1/);
    expect(() => affine({ scale: [1.2, 0.8] })).toThrow(/expected a range \[min, max\] with min <= max/);
    expect(() => affine({ rotaton: 10 } as never)).toThrow(/Did you mean 'rotation'\?/);
    expect(() => affine()({ image, mask: tf.zeros([1, 8, 7, 1]) })).toThrow(/affine: sample.image and sample.mask have shapes \[1, 8, 8, 1\] and \[1, 8, 7, 1\]/);
    expect(() => affine()({ image: tf.zeros([8, 8, 1]) })).toThrow(UnetKitError);
    expect(() => affine({ rotation: [1, 2, 3] })({ image })).toThrow(/three per-axis ranges but the sample is 2D/);
    image.dispose();
  });
});
