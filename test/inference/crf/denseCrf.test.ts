import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { UnetKitError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/rng.js';
import { denseCrf, denseCrfLabels } from '../../../src/inference/crf/denseCrf.js';
import { describeEachBackend } from '../../helpers/backends.js';
import { expectNoLeak } from '../../helpers/leaks.js';
import { expectClose } from '../../helpers/numeric.js';

/** Dice of the foreground label 1 between two 0/1 arrays. */
function dice(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    inter += pred[i]! * truth[i]!;
    sum += pred[i]! + truth[i]!;
  }
  return (2 * inter) / sum;
}

/**
 * A noisy two-region case on `dims` (row-major): truth = a centred disc / ball, intensities 170
 * inside and 80 outside with uniform noise of +-25, foreground probability 0.65 inside / 0.35
 * outside with uniform noise of +-0.4 (so about 30% of the argmax labels are wrong).
 */
function noisyCase(dims: number[], seed: number, channels = 1): { truth: Float32Array; probs: Float32Array; image: Float32Array } {
  const rng = createRng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const truth = new Float32Array(n);
  const probs = new Float32Array(2 * n);
  const image = new Float32Array(channels * n);
  const radius = Math.min(...dims) * 0.3;
  for (let i = 0; i < n; i++) {
    let rest = i;
    let r2 = 0;
    for (let a = dims.length - 1; a >= 0; a--) {
      r2 += ((rest % dims[a]!) - (dims[a]! - 1) / 2) ** 2;
      rest = Math.floor(rest / dims[a]!);
    }
    const inside = r2 < radius * radius ? 1 : 0;
    truth[i] = inside;
    for (let c = 0; c < channels; c++) image[i * channels + c] = (inside ? 170 : 80) + 30 * c + rng.uniform(-25, 25);
    const p = Math.min(0.99, Math.max(0.01, (inside ? 0.65 : 0.35) + rng.uniform(-0.4, 0.4)));
    probs[2 * i] = 1 - p;
    probs[2 * i + 1] = p;
  }
  return { truth, probs, image };
}

function argmaxLabels(probs: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: probs.length / 2 }, (_, i) => (probs[2 * i + 1]! > probs[2 * i]! ? 1 : 0));
}

/**
 * The same mean-field with exact O(N^2) Gaussian kernels, for tiny images: what the lattice
 * approximates. `features(i)` lists each kernel's feature vector of pixel i.
 */
function bruteForceCrf(probs: Float32Array, n: number, kernels: { weight: number; feature: (i: number) => number[] }[], iterations: number): Float64Array {
  const k = 2;
  const unary = Float64Array.from(probs, (p) => -Math.log(Math.max(p, 1e-5)));
  const softmax = (e: Float64Array): Float64Array => {
    const q = new Float64Array(e.length);
    for (let i = 0; i < n; i++) {
      const m = Math.max(e[2 * i]!, e[2 * i + 1]!);
      const a = Math.exp(e[2 * i]! - m);
      const b = Math.exp(e[2 * i + 1]! - m);
      q[2 * i] = a / (a + b);
      q[2 * i + 1] = b / (a + b);
    }
    return q;
  };
  const matrices = kernels.map(({ feature }) => {
    const f = Array.from({ length: n }, (_, i) => feature(i));
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = Math.exp(-f[i]!.reduce((s, v, a) => s + (v - f[j]![a]!) ** 2, 0) / 2);
    const norm = Float64Array.from({ length: n }, (_, i) => 1 / Math.sqrt(m.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0)));
    return { m, norm };
  });
  let q = softmax(unary.map((u) => -u));
  for (let it = 0; it < iterations; it++) {
    const e = unary.map((u) => -u);
    kernels.forEach(({ weight }, t) => {
      const { m, norm } = matrices[t]!;
      for (let i = 0; i < n; i++) {
        for (let l = 0; l < k; l++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += m[i * n + j]! * norm[j]! * q[j * k + l]!;
          e[i * k + l]! += weight * norm[i]! * s;
        }
      }
    });
    q = softmax(e);
  }
  return q;
}

describeEachBackend('denseCrf', () => {
  it('with compat 0 (or 0 iterations) returns the softmax of the unary: the clipped, renormalised input', async () => {
    const probs = tf.tensor([0, 1, 0.25, 0.75, 0.5, 0.5, 1, 0], [2, 2, 2]);
    const image = tf.tensor([0, 50, 100, 255], [2, 2, 1]);
    // softmax(log(max(p, 1e-5))) = max(p, 1e-5) / sum: a 0 becomes 1e-5 / (1 + 1e-5).
    const c = 1e-5 / (1 + 1e-5);
    const expected = [c, 1 - c, 0.25, 0.75, 0.5, 0.5, 1 - c, c];
    const off = await expectNoLeak(() => denseCrf(probs, image, { gaussian: { compat: 0 }, bilateral: { compat: 0 } }));
    expectClose(await off.data(), expected, 1e-6);
    const none = denseCrf(probs, image, { iterations: 0 });
    expectClose(await none.data(), expected, 1e-6);
    const noKernels = denseCrf(probs, image, { gaussian: false, bilateral: false, iterations: 3 });
    expectClose(await noKernels.data(), expected, 1e-6);
    tf.dispose([probs, image, off, none, noKernels]);
  });

  it('agrees with brute-force mean-field (exact Gaussian kernels) on a 10x10 image within 0.02', async () => {
    const [h, w] = [10, 10];
    const { probs, image } = noisyCase([h, w], 3);
    // Kernels narrow enough for a 10x10 image to exercise both: Gaussian sxy 2, bilateral sxy 5, srgb 20.
    const options = { gaussian: { sxy: 2, compat: 3 }, bilateral: { sxy: 5, srgb: 20, compat: 5 }, iterations: 5 };
    const exact = bruteForceCrf(probs, h * w, [
      { weight: 3, feature: (i) => [Math.floor(i / w) / 2, (i % w) / 2] },
      { weight: 5, feature: (i) => [Math.floor(i / w) / 5, (i % w) / 5, image[i]! / 20] },
    ], 5);
    const p = tf.tensor(probs, [h, w, 2]);
    const im = tf.tensor(image, [h, w, 1]);
    const out = denseCrf(p, im, options);
    const q = await out.data();
    let worst = 0;
    q.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - exact[i]!))));
    // Measured: 0.0048 largest difference of a marginal; the labels agree everywhere.
    expect(worst).toBeLessThan(0.02);
    expect(argmaxLabels(q)).toEqual(argmaxLabels(exact));
    tf.dispose([p, im, out]);
  });

  it('raises Dice on a noisy two-region 32x32 image with pydensecrf defaults (grey and RGB)', async () => {
    const { truth, probs, image } = noisyCase([32, 32], 1);
    const rgb = noisyCase([32, 32], 1, 3).image;
    const before = dice(argmaxLabels(probs), truth);
    const p = tf.tensor(probs, [32, 32, 2]);
    const grey = tf.tensor(image, [32, 32, 1]);
    const colour = tf.tensor(rgb, [32, 32, 3]);
    const refined = await expectNoLeak(() => denseCrf(p, grey));
    const after = dice(argmaxLabels(await refined.data()), truth);
    const refinedRgb = denseCrf(p, colour);
    const afterRgb = dice(argmaxLabels(await refinedRgb.data()), truth);
    // Measured: Dice 0.554 -> 1.000 (grey) and -> 1.000 (RGB).
    expect(before).toBeLessThan(0.65);
    expect(after).toBeGreaterThan(0.95);
    expect(afterRgb).toBeGreaterThan(0.95);
    // Still probabilities.
    const q = await refined.data();
    for (let i = 0; i < q.length; i += 2) expect(q[i]! + q[i + 1]!).toBeCloseTo(1, 5);
    tf.dispose([p, grey, colour, refined, refinedRgb]);
  });

  it('handles more than two classes: three noisy stripes on 24x24 become clean', async () => {
    const rng = createRng(11);
    const n = 24 * 24;
    const truth = Int32Array.from({ length: n }, (_, i) => Math.floor((i % 24) / 8));
    const image = Float32Array.from(truth, (t) => 40 + 80 * t + rng.uniform(-15, 15));
    // The right class gets 0.45, the two others share the rest, all with +-0.2 noise, renormalised.
    const probs = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const raw = [0, 1, 2].map((l) => Math.max(0.01, (l === truth[i] ? 0.45 : 0.275) + rng.uniform(-0.2, 0.2)));
      const sum = raw[0]! + raw[1]! + raw[2]!;
      raw.forEach((v, l) => (probs[3 * i + l] = v / sum));
    }
    const accuracy = (labels: ArrayLike<number>): number => truth.reduce((a, t, i) => a + (labels[i] === t ? 1 : 0), 0) / n;
    const before = accuracy(Int32Array.from({ length: n }, (_, i) => [0, 1, 2].reduce((b, l) => (probs[3 * i + l]! > probs[3 * i + b]! ? l : b), 0)));
    const p = tf.tensor(probs, [24, 24, 3]);
    const im = tf.tensor(image, [24, 24, 1]);
    const labels = await expectNoLeak(() => denseCrfLabels(p, im));
    const after = accuracy(await labels.data());
    // Measured: pixel accuracy 0.729 -> 1.000.
    expect(before).toBeLessThan(0.8);
    expect(after).toBeGreaterThan(0.97);
    tf.dispose([p, im, labels]);
  });

  it('takes one sigmoid channel as [1 - p, p] and batches sample by sample', async () => {
    const a = noisyCase([12, 12], 4);
    const b = noisyCase([12, 12], 5);
    const fg = tf.tensor(Float32Array.from({ length: 144 }, (_, i) => a.probs[2 * i + 1]!), [12, 12, 1]);
    const two = tf.tensor(a.probs, [12, 12, 2]);
    const image = tf.tensor(a.image, [12, 12, 1]);
    const single = await expectNoLeak(() => denseCrf(fg, image));
    const pair = denseCrf(two, image);
    expect(single.shape).toEqual([12, 12, 1]);
    expectClose(await single.data(), (await pair.data()).filter((_, i) => i % 2 === 1), 1e-6);
    // A batch of two gives each sample's own result.
    const batch = tf.tensor([...a.probs, ...b.probs], [2, 12, 12, 2]);
    const batchImage = tf.tensor([...a.image, ...b.image], [2, 12, 12, 1]);
    const both = denseCrf(batch, batchImage);
    const second = tf.tensor(b.probs, [12, 12, 2]);
    const secondImage = tf.tensor(b.image, [12, 12, 1]);
    const alone = denseCrf(second, secondImage);
    const bothValues = await both.data();
    expectClose(bothValues.subarray(0, 288), await pair.data(), 1e-6);
    expectClose(bothValues.subarray(288), await alone.data(), 1e-6);
    tf.dispose([fg, two, image, single, pair, batch, batchImage, both, second, secondImage, alone]);
  });

  it('handles a single pixel (the self term) and a constant image (bilateral = gaussian there)', async () => {
    const one = tf.tensor([0.3, 0.7], [1, 1, 2]);
    const dark = tf.zeros([1, 1, 1]);
    // A lone pixel only sees itself, and densecrf keeps the self term: the normalised kernel is 1,
    // so each iteration is Q = softmax(log p + (3 + 10) Q), whatever the lattice's scale.
    let q = [0.3, 0.7];
    for (let it = 0; it < 5; it++) {
      const e = [Math.log(0.3) + 13 * q[0]!, Math.log(0.7) + 13 * q[1]!];
      const z = Math.exp(e[0]!) + Math.exp(e[1]!);
      q = e.map((v) => Math.exp(v) / z);
    }
    const single = await expectNoLeak(() => denseCrf(one, dark));
    expectClose(await single.data(), q, 1e-5);
    const { probs } = noisyCase([8, 8], 9);
    const p = tf.tensor(probs, [8, 8, 2]);
    const flat = tf.fill([8, 8, 1], 100);
    // With no intensity contrast the bilateral kernel is a Gaussian of sxy 80: the same as declaring it so.
    const constant = denseCrf(p, flat);
    const asGaussians = denseCrf(p, flat, { bilateral: { sxy: 80, srgb: 1e3, compat: 10 } });
    expectClose(await constant.data(), await asGaussians.data(), 1e-4);
    tf.dispose([one, dark, single, p, flat, constant, asGaussians]);
  });

  it('labels: denseCrfLabels is the argmax of denseCrf as int32 [..., 1]', async () => {
    const { probs, image } = noisyCase([16, 16], 6);
    const p = tf.tensor(probs, [1, 16, 16, 2]);
    const im = tf.tensor(image, [1, 16, 16, 1]);
    const labels = await expectNoLeak(() => denseCrfLabels(p, im));
    expect(labels.shape).toEqual([1, 16, 16, 1]);
    expect(labels.dtype).toBe('int32');
    const q = denseCrf(p, im);
    expect(Array.from(await labels.data())).toEqual(Array.from(argmaxLabels(await q.data())));
    const fg = tf.tensor(Float32Array.from({ length: 256 }, (_, i) => probs[2 * i + 1]!), [1, 16, 16, 1]);
    const fgLabels = denseCrfLabels(fg, im);
    expect(Array.from(await fgLabels.data())).toEqual(Array.from(await labels.data()));
    tf.dispose([p, im, labels, q, fg, fgLabels]);
  });

  it('works in 3D: raises Dice on a noisy 8x8x8 ball; spacing decides how far the z coupling reaches', async () => {
    const { truth, probs, image } = noisyCase([8, 8, 8], 2);
    const p = tf.tensor(probs, [1, 8, 8, 8, 2]);
    const im = tf.tensor(image, [1, 8, 8, 8, 1]);
    const before = dice(argmaxLabels(probs), truth);
    const refined = await expectNoLeak(() => denseCrf(p, im, { bilateral: { sxy: 10, srgb: 13, compat: 10 } }));
    const after = dice(argmaxLabels(await refined.data()), truth);
    // Measured: Dice 0.383 -> 1.000.
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);
    // One unbatched volume [D, H, W, K] with spatialDims: 3 is the same computation.
    const volume = tf.tensor(probs, [8, 8, 8, 2]);
    const volumeImage = tf.tensor(image, [8, 8, 8, 1]);
    const unbatched = denseCrf(volume, volumeImage, { spatialDims: 3, bilateral: { sxy: 10, srgb: 13, compat: 10 } });
    expectClose(await unbatched.data(), await refined.data(), 1e-6);
    // Slice 0 is sure of class 1, slice 1 undecided (0.5): coupled along z (spacing 1) slice 1
    // leans to class 1 (measured 0.99999); with a z spacing of 1000 (sigma units far apart) it stays exactly 0.5.
    const slices = tf.tensor(Float32Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => (i < 32 ? (i % 2 === 1 ? 0.95 : 0.05) : 0.5)), [1, 2, 4, 4, 2]);
    const flat = tf.zeros([1, 2, 4, 4, 1]);
    const coupled = await denseCrf(slices, flat, { spacing: [1, 1, 1] }).data();
    const apart = await denseCrf(slices, flat, { spacing: [1000, 1, 1] }).data();
    expect(coupled[33]).toBeGreaterThan(0.6);
    expect(apart[33]).toBeCloseTo(0.5, 6);
    // sxy per axis: a z sigma of 1e-3 voxels cuts the coupling the same way.
    const perAxis = await denseCrf(slices, flat, { gaussian: { sxy: [1e-3, 3, 3] }, bilateral: { sxy: [1e-3, 80, 80] } }).data();
    expect(perAxis[33]).toBeCloseTo(0.5, 6);
    tf.dispose([p, im, refined, volume, volumeImage, unbatched, slices, flat]);
  });

  it('rejects bad inputs with UnetKitError naming the argument', () => {
    const probs = tf.fill([4, 4, 2], 0.5);
    const image = tf.zeros([4, 4, 1]);
    const throwsKit = (f: () => unknown, message: RegExp): void => {
      let caught: unknown;
      try {
        // tidy disposes the throwaway inputs even when the call throws.
        tf.tidy(() => {
          f();
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UnetKitError);
      expect((caught as Error).message).toMatch(message);
    };
    const before = tf.memory().numTensors;
    throwsKit(() => denseCrf(probs, tf.zeros([4, 5, 1])), /denseCrf: probs and image have shapes \[4, 4, 2\] and \[4, 5, 1\]/);
    throwsKit(() => denseCrf(tf.fill([4, 4, 2], 0.7), image), /sums to 1\.4.* apply a softmax/);
    throwsKit(() => denseCrf(tf.fill([4, 4, 1], 1.5), image), /probs holds 1\.5 at flat index 0; expected probabilities in \[0, 1\]/);
    throwsKit(() => denseCrf(tf.fill([4, 4, 1], NaN), image), /probs holds NaN/);
    throwsKit(() => denseCrf(probs, tf.fill([4, 4, 1], Infinity)), /image holds Infinity/);
    throwsKit(() => denseCrf(probs, image, { gaussian: { sxy: 0 } }), /options\.gaussian\.sxy is 0; expected a finite number > 0/);
    throwsKit(() => denseCrf(probs, image, { bilateral: { srgb: -13 } }), /options\.bilateral\.srgb is -13/);
    throwsKit(() => denseCrf(probs, image, { bilateral: { sxy: [80, 80, 80] } }), /options\.bilateral\.sxy is \[80, 80, 80\]; expected an array of 2 numbers/);
    throwsKit(() => denseCrf(probs, image, { bilateral: { srgb: [13, 13, 13] } }), /options\.bilateral\.srgb .*an array of 1 numbers/);
    throwsKit(() => denseCrf(probs, image, { gaussian: { compat: -1 } }), /options\.gaussian\.compat is -1/);
    throwsKit(() => denseCrf(probs, image, { gaussian: { sigma: 3 } as never }), /options\.gaussian\.sigma is not a known option/);
    throwsKit(() => denseCrf(probs, image, { iteration: 5 } as never), /options\.iteration is not a known option.*Did you mean 'iterations'/);
    throwsKit(() => denseCrf(probs, image, { iterations: 2.5 }), /options\.iterations is 2\.5; expected an integer >= 0/);
    throwsKit(() => denseCrf(probs, image, { spacing: [1, 1, 1] }), /options\.spacing is \[1, 1, 1\]; expected 2 numbers/);
    throwsKit(() => denseCrf(probs, image, { spatialDims: 3 }), /options\.spatialDims is 3; expected 2 for probs of rank 3/);
    throwsKit(() => denseCrf(probs, image, { clip: 0 }), /options\.clip is 0/);
    throwsKit(() => denseCrf(probs, tf.fill([4, 4, 1], 255), { bilateral: { srgb: 1e-5 } }), /options\.bilateral\.srgb is \[0\.00001\]; expected sigmas with \|intensity\| \/ srgb <= 1000000/);
    throwsKit(() => denseCrf(probs, image, { gaussian: { sxy: 1e-7 } }), /options\.gaussian\.sxy is \[1e-7, 1e-7\]; expected sigmas with extent/);
    throwsKit(() => denseCrf(tf.fill([4, 2], 0.5), tf.zeros([4, 1])), /probs has shape \[4, 2\] \(rank 2\)/);
    throwsKit(() => denseCrf([0.5, 0.5] as never, image), /denseCrf: probs is/);
    throwsKit(() => denseCrfLabels(probs, tf.zeros([4, 4, 0])), /denseCrfLabels: image/);
    expect(tf.memory().numTensors, 'tensors left by the failed calls').toBe(before);
    tf.dispose([probs, image]);
  });
});
