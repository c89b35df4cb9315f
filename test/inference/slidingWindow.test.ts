import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { slidingWindowInference, type MultiOutputWindowOptions } from '../../src/inference/slidingWindow.js';
import { windowStarts } from '../../src/inference/windows.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose, maxAbsDiff } from '../helpers/numeric.js';

function ramp(shape: number[], seed = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  // deterministic, non-symmetric values so a misplaced window shows.
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 3 + (i % 7)), shape);
}

const identity = (x: tf.Tensor): tf.Tensor => tf.clone(x);

describeEachBackend('slidingWindowInference', () => {
  it('returns the input with an identity predictor for every overlap, blend and 2D size', async () => {
    // 13x17 and 16x16: larger than the window and not multiples of the stride; 5x7 and 3x8: smaller.
    for (const size of [
      [16, 16],
      [13, 17],
      [8, 8],
      [5, 7],
      [3, 8],
    ]) {
      const input = ramp([2, ...size, 3]);
      const expected = await input.data();
      for (const overlap of [0, 0.25, 0.5, 0.75]) {
        for (const blend of ['gaussian', 'constant'] as const) {
          const out = await expectNoLeak(() => slidingWindowInference(identity, input, { roiSize: [8, 8], overlap, blend, batchSize: 3 }));
          expect(out.shape).toEqual(input.shape);
          const diff = maxAbsDiff(await out.data(), expected);
          expect(diff, `size ${size} overlap ${overlap} ${blend}`).toBeLessThan(1e-4);
          out.dispose();
        }
      }
      input.dispose();
    }
  });

  it('returns the input with an identity predictor in 3D, including anisotropic windows and small volumes', async () => {
    for (const [size, roi] of [
      [
        [8, 8, 8],
        [4, 4, 4],
      ],
      [
        [9, 5, 11],
        [4, 6, 4],
      ],
      [
        [3, 4, 5],
        [4, 4, 4],
      ],
    ] as Array<[number[], number[]]>) {
      const input = ramp([1, ...size, 2]);
      for (const overlap of [0, 0.5]) {
        for (const blend of ['gaussian', 'constant'] as const) {
          const out = await expectNoLeak(() => slidingWindowInference(identity, input, { roiSize: roi, overlap, blend }));
          expect(out.shape).toEqual(input.shape);
          expect(maxAbsDiff(await out.data(), await input.data()), `size ${size} overlap ${overlap} ${blend}`).toBeLessThan(1e-4);
          out.dispose();
        }
      }
      input.dispose();
    }
  });

  it('still returns the input for every padMode when the image is smaller than the window', async () => {
    const input = ramp([1, 5, 3, 1]);
    for (const padMode of ['constant', 'edge', 'reflect', 'symmetric'] as const) {
      const out = await expectNoLeak(() => slidingWindowInference(identity, input, { roiSize: 8, padMode }));
      expectClose(await out.data(), await input.data(), 1e-5);
      out.dispose();
    }
    input.dispose();
  });

  it('pads with padMode: the window sees reflected borders', async () => {
    // 1x1x3 row [1, 2, 3] padded to width 5 (1 before, 1 after): reflect gives [2, 1, 2, 3, 2].
    const input = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const seen: number[][] = [];
    const spy = (x: tf.Tensor): tf.Tensor => {
      seen.push(Array.from(x.dataSync()));
      return tf.clone(x);
    };
    const out = await slidingWindowInference(spy, input, { roiSize: [1, 5], padMode: 'reflect' });
    expect(seen).toEqual([[2, 1, 2, 3, 2]]);
    out.dispose();
    input.dispose();
  });

  it('roiSize entries <= 0 take the whole axis (MONAI): one window per row of a 3 x 5 image', async () => {
    const input = ramp([1, 3, 5, 1]);
    const shapes: number[][] = [];
    const spy = (x: tf.Tensor): tf.Tensor => {
      shapes.push(x.shape);
      return tf.clone(x);
    };
    const out = await slidingWindowInference(spy, input, { roiSize: [1, 0], overlap: 0, batchSize: 1 });
    expect(shapes).toEqual([[1, 1, 5, 1], [1, 1, 5, 1], [1, 1, 5, 1]]);
    expect(maxAbsDiff(Array.from(await out.data()), Array.from(await input.data()))).toBeLessThan(1e-6);
    out.dispose();
    shapes.length = 0;
    // one number <= 0: the whole image in one window
    const whole = await slidingWindowInference(spy, input, { roiSize: -1 });
    expect(shapes).toEqual([[1, 3, 5, 1]]);
    whole.dispose();
    input.dispose();
  });

  it('blends with gaussian weights: sum(w * pred) / sum(w) by hand on a 1 x 6 strip', async () => {
    // roi [1, 4], overlap 0.5 on width 6: windows start at 0 and 2. The predictor returns a
    // constant per window: 10 for the first, 20 for the second (calls in order, batchSize 1).
    const input = tf.zeros([1, 1, 6, 1]);
    let call = 0;
    const constantPerWindow = (x: tf.Tensor): tf.Tensor => tf.fill(x.shape, ++call * 10);
    const out = await slidingWindowInference(constantPerWindow, input, { roiSize: [1, 4], batchSize: 1 });
    const v = Array.from(await out.data());
    // Window weights (width 4, sigma 0.5; the height-1 axis contributes exp(0) = 1):
    // x = -1.5, -0.5, 0.5, 1.5 -> g = exp(-x^2 / 0.5) = [0.011109, 0.606531, 0.606531, 0.011109].
    const g = [-1.5, -0.5, 0.5, 1.5].map((x) => Math.exp(-(x * x) / 0.5));
    // Columns 2, 3 are covered by both: col 2 has w1 = g[2], w2 = g[0]; col 3: w1 = g[3], w2 = g[1].
    const expected = [10, 10, (10 * g[2]! + 20 * g[0]!) / (g[2]! + g[0]!), (10 * g[3]! + 20 * g[1]!) / (g[3]! + g[1]!), 20, 20];
    expectClose(v, expected, 1e-5);
    out.dispose();
    // sigmaScale 0.25: sigma = 0.25 * 4 = 1, g = exp(-x^2 / 2) = [0.324652, 0.882497, 0.882497, 0.324652]
    // (the height-1 axis, sigma 0.25, still gives exp(0) = 1).
    call = 0;
    const wide = await slidingWindowInference(constantPerWindow, input, { roiSize: [1, 4], batchSize: 1, sigmaScale: 0.25 });
    const h = [-1.5, -0.5, 0.5, 1.5].map((x) => Math.exp(-(x * x) / 2));
    expectClose(h, [0.324652, 0.882497, 0.882497, 0.324652], 1e-5);
    expectClose(Array.from(await wide.data()), [10, 10, (10 * h[2]! + 20 * h[0]!) / (h[2]! + h[0]!), (10 * h[3]! + 20 * h[1]!) / (h[3]! + h[1]!), 20, 20], 1e-5);
    wide.dispose();
    // constant blend: plain average (10 + 20) / 2 = 15 where the windows overlap.
    call = 0;
    const flatBlend = await slidingWindowInference(constantPerWindow, input, { roiSize: [1, 4], batchSize: 1, blend: 'constant' });
    expectClose(Array.from(await flatBlend.data()), [10, 10, 15, 15, 20, 20], 1e-6);
    flatBlend.dispose();
    input.dispose();
  });

  it('matches a whole-image pass of a fully convolutional model away from window borders (zero overlap)', async () => {
    const x = tfl.input({ shape: [null, null, 2] as unknown as number[] });
    const conv1 = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) });
    const conv2 = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) });
    const model = tfl.model({ inputs: x, outputs: conv2.apply(conv1.apply(x)) as tfl.SymbolicTensor });
    const image = ramp([1, 20, 18, 2]);
    const whole = model.predict(image) as tf.Tensor;
    const roi = [8, 8];
    const out = await expectNoLeak(() => slidingWindowInference(model, image, { roiSize: roi, overlap: 0, blend: 'gaussian' }));
    const [H, W] = [20, 18];
    const radius = 2; // two 3x3 convs
    const starts = [windowStarts(H, 8, 0), windowStarts(W, 8, 0)];
    // A voxel is "away from window borders" when every window covering it has it at least
    // `radius` from any of the window's edges that is not also an image edge.
    const clear = (p: number, size: number, axisStarts: number[]): boolean =>
      axisStarts
        .filter((s) => p >= s && p < s + 8)
        .every((s) => (s === 0 || p - s >= radius) && (s + 8 === size || s + 8 - 1 - p >= radius));
    const a = (await out.array()) as number[][][][];
    const b = (await whole.array()) as number[][][][];
    let checked = 0;
    let differing = 0;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const inside = clear(i, H, starts[0]!) && clear(j, W, starts[1]!);
        const d = Math.max(...[0, 1].map((c) => Math.abs(a[0]![i]![j]![c]! - b[0]![i]![j]![c]!)));
        if (inside) {
          expect(d, `(${i}, ${j})`).toBeLessThan(1e-4);
          checked++;
        } else if (d > 1e-4) differing++;
      }
    }
    // Enough voxels checked, and the border voxels really differ (the test has teeth).
    expect(checked).toBeGreaterThan(100);
    expect(differing).toBeGreaterThan(0);
    tf.dispose([out, whole, image]);
    model.dispose();
  });

  it('maps channels: output channels may differ from input channels', async () => {
    const input = ramp([1, 10, 9, 1]);
    const twoChannels = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.concat([x, tf.mul(x, 2)], -1));
    const out = await expectNoLeak(() => slidingWindowInference(twoChannels, input, { roiSize: 4 }));
    expect(out.shape).toEqual([1, 10, 9, 2]);
    const expected = twoChannels(input);
    expectClose(await out.data(), await expected.data(), 1e-4);
    expected.dispose();
    tf.dispose([out, input]);
  });

  it('uses the full-resolution output of a multi-output (deep supervision) predictor', async () => {
    const input = ramp([1, 8, 8, 1]);
    // Returns [half-resolution head, full-resolution head]: the full one (window-sized) is blended.
    const deep = (x: tf.Tensor): tf.Tensor[] => [tf.zeros([x.shape[0]!, 2, 2, 1]), tf.add(x, 1)];
    const out = await expectNoLeak(() => slidingWindowInference(deep, input, { roiSize: 4 }));
    expectClose(await out.data(), await tf.add(input, 1).data(), 1e-4);
    out.dispose();
    await expect(slidingWindowInference(deep, input, { roiSize: 4, outputIndex: 0 })).rejects.toThrow(
      /output 0 has shape \[4, 2, 2, 1\]; expected \[4, 4, 4, C\]/,
    );
    await expect(slidingWindowInference(deep, input, { roiSize: 4, outputIndex: 5 })).rejects.toThrow(/outputIndex is 5 but the predictor returned 2/);
    input.dispose();
  });

  it('gives the same result for any batchSize and reports progress', async () => {
    const input = ramp([2, 12, 12, 1]);
    const square = (x: tf.Tensor): tf.Tensor => tf.square(x);
    const progress: Array<[number, number]> = [];
    const a = await slidingWindowInference(square, input, { roiSize: 6, batchSize: 1, onProgress: (d, t) => progress.push([d, t]) });
    const b = await slidingWindowInference(square, input, { roiSize: 6, batchSize: 7 });
    expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThan(1e-5);
    // 12 with roi 6 and overlap 0.5: starts 0, 3, 6 -> 3 x 3 windows x 2 samples = 18.
    expect(progress.length).toBe(18);
    expect(progress[17]).toEqual([18, 18]);
    tf.dispose([a, b, input]);
  });

  it('bounded memory: the backend holds the input and one batch of windows, never the volume', async () => {
    // 32^3 in 8^3 windows, overlap 0.25: starts 0, 6, 12, 18, 24 -> 5^3 = 125 windows.
    const input = ramp([1, 32, 32, 32, 1]);
    const expected = await input.data();
    for (const batchSize of [2, 5]) {
      const baseline = tf.memory().numBytes;
      let peak = 0;
      let windows = 0;
      const watch = (x: tf.Tensor): tf.Tensor => {
        const out = tf.tidy(() => tf.concat([x, tf.neg(x)], -1));
        windows += x.shape[0]!;
        peak = Math.max(peak, tf.memory().numBytes - baseline);
        return out;
      };
      const out = await expectNoLeak(() => slidingWindowInference(watch, input, { roiSize: 8, overlap: 0.25, batchSize }));
      expect(windows).toBe(125);
      // One batch in (1 channel) and out (2 channels), float32: proportional to batchSize, far
      // below the 32^3 x 2 output (262144 bytes).
      expect(peak).toBe(batchSize * 8 ** 3 * (1 + 2) * 4);
      const data = await out.data();
      expect(maxAbsDiff(data.filter((_, i) => i % 2 === 0), expected)).toBeLessThan(1e-4);
      expect(maxAbsDiff(data.filter((_, i) => i % 2 === 1), expected.map((v) => -v))).toBeLessThan(1e-4);
      out.dispose();
    }
    input.dispose();
  });

  it("output: 'array' gives the tensor's values as a Float32Array and makes no tensor", async () => {
    const input = ramp([2, 9, 5, 11, 1]);
    const sigmoid = (x: tf.Tensor): tf.Tensor => tf.sigmoid(x);
    const options = { roiSize: [4, 4, 6], overlap: 0.5, batchSize: 3 };
    const tensor = await slidingWindowInference(sigmoid, input, options);
    const array = await expectNoLeak(() => slidingWindowInference(sigmoid, input, { ...options, output: 'array' }));
    expect(array.shape).toEqual([2, 9, 5, 11, 1]);
    expect(array.data).toBeInstanceOf(Float32Array);
    expect(Array.from(array.data)).toEqual(Array.from(await tensor.data()));
    const padded = await slidingWindowInference(sigmoid, input, { ...options, roiSize: 12, output: 'array' });
    expect(padded.shape).toEqual([2, 9, 5, 11, 1]);
    await expect(slidingWindowInference(sigmoid, input, { ...options, output: 'list' as 'array' })).rejects.toThrow(/options\.output/);
    await expect(
      slidingWindowInference(sigmoid, input, { ...options, multiOutput: true, output: 'array' } as unknown as MultiOutputWindowOptions),
    ).rejects.toThrow(/slidingWindowInference: options\.output.*multiOutput/);
    tf.dispose([tensor, input]);
  });

  it('accepts an async predict function', async () => {
    const input = ramp([1, 6, 6, 1]);
    const out = await slidingWindowInference(async (x) => tf.neg(x), input, { roiSize: 4 });
    expectClose(await out.data(), await tf.neg(input).data(), 1e-5);
    tf.dispose([out, input]);
  });

  it('rejects bad inputs with messages naming the argument', async () => {
    const input = tf.zeros([1, 8, 8, 1]);
    await expect(slidingWindowInference(identity, tf.zeros([8, 8, 1]), { roiSize: 4 })).rejects.toThrow(
      /slidingWindowInference: input has shape \[8, 8, 1\] \(rank 3\); expected rank 4 or 5/,
    );
    await expect(slidingWindowInference(identity, input, undefined as never)).rejects.toThrow(/options is undefined; expected an options object with at least roiSize/);
    await expect(slidingWindowInference(identity, input, { roiSize: [4, 4, 4] })).rejects.toThrow(/options.roiSize is \[4, 4, 4\]; expected an array of 2 numbers/);
    await expect(slidingWindowInference(identity, input, { roiSize: 4, overlap: 1 })).rejects.toThrow(/options.overlap is 1; expected a finite number >= 0 and < 1/);
    await expect(slidingWindowInference(identity, input, { roiSize: 4, blend: 'gausian' as never })).rejects.toThrow(/Did you mean 'gaussian'/);
    await expect(slidingWindowInference(identity, input, { roiSize: 4, padMode: 'reflection' as never })).rejects.toThrow(/Did you mean 'reflect'/);
    await expect(slidingWindowInference(identity, input, { roiSize: 4, overlapp: 0.5 } as never)).rejects.toThrow(/options.overlapp is not a known option.*Did you mean 'overlap'/);
    await expect(slidingWindowInference({} as never, input, { roiSize: 4 })).rejects.toThrow(/predictor is \{\}; expected a tf.LayersModel or a function/);
    const before = tf.memory().numTensors;
    await expect(slidingWindowInference((x) => tf.slice(x, [0, 0, 0, 0], [-1, 2, 2, -1]), input, { roiSize: 4 })).rejects.toThrow(
      UnetKitError,
    );
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });

  it('multiOutput: [x, avgPool(x, 2), avgPool(x, 4)] stitch to the same of the whole image, with overlap', async () => {
    // 16 x 24 with roi 8 and overlap 0.5: starts on multiples of 4, so both pooled heads land on whole voxels.
    const input = ramp([2, 16, 24, 2]);
    const heads = (x: tf.Tensor): tf.Tensor[] => [tf.clone(x), tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.avgPool(x as tf.Tensor4D, 4, 4, 'valid')];
    const expected = heads(input);
    for (const blend of ['gaussian', 'constant'] as const) {
      const out = await expectNoLeak(() => slidingWindowInference(heads, input, { roiSize: 8, overlap: 0.5, blend, batchSize: 5, multiOutput: true }));
      expect(out.map((t) => t.shape)).toEqual([
        [2, 16, 24, 2],
        [2, 8, 12, 2],
        [2, 4, 6, 2],
      ]);
      for (let k = 0; k < 3; k++) expectClose(await out[k]!.data(), await expected[k]!.data(), 1e-6);
      tf.dispose(out);
    }
    tf.dispose([...expected, input]);
  });

  it('multiOutput: a half-resolution head is blended with the importance map resized nearest-exact, by hand on a 1 x 8 strip', async () => {
    // roi [1, 4], overlap 0.5 on width 8: windows start at 0, 2, 4; the half head lands at 0, 1, 2.
    // Window k (1, 2, 3) predicts 10 k at half resolution. Full-size weights g = [g0, g1, g1, g0];
    // nearest-exact to 2 samples src = floor((d + 0.5) * 4 / 2) = 1, 3: [g1, g0] (MONAI's resize).
    const input = tf.zeros([1, 1, 8, 1]);
    let call = 0;
    const heads = (x: tf.Tensor): tf.Tensor[] => {
      call++;
      return [tf.clone(x), tf.fill([1, 1, 2, 1], call * 10)];
    };
    const out = await expectNoLeak(() => slidingWindowInference(heads, input, { roiSize: [1, 4], batchSize: 1, multiOutput: true }));
    const [g0, g1] = [1.5, 0.5].map((x) => Math.exp(-(x * x) / 0.5)) as [number, number];
    expectClose(Array.from(await out[1]!.data()), [10, (10 * g0 + 20 * g1) / (g0 + g1), (20 * g0 + 30 * g1) / (g0 + g1), 30], 1e-6);
    tf.dispose([...out, input]);
  });

  it('multiOutput: a record of 3D heads comes back as a record with the same keys', async () => {
    const input = ramp([1, 8, 8, 12, 1]);
    const heads = (x: tf.Tensor): Record<string, tf.Tensor> => ({
      seg: tf.mul(x, 2),
      aux: tf.avgPool3d(x as tf.Tensor5D, 2, 2, 'valid'),
    });
    const expected = heads(input);
    const out = await expectNoLeak(() => slidingWindowInference(heads, input, { roiSize: [4, 4, 4], overlap: 0.5, multiOutput: true }));
    expect(Object.keys(out)).toEqual(['seg', 'aux']);
    expect(out.aux!.shape).toEqual([1, 4, 4, 6, 1]);
    expectClose(await out.seg!.data(), await expected.seg!.data(), 1e-6);
    expectClose(await out.aux!.data(), await expected.aux!.data(), 1e-6);
    tf.dispose([out.seg!, out.aux!, expected.seg!, expected.aux!, input]);
  });

  it('multiOutput: an up-sampled head, a tf.LayersModel, a single tensor (same bits as the default), roiSize <= 0', async () => {
    const input = ramp([1, 12, 10, 1]);
    // x2 nearest up-sampling: every window start maps to 2 * start
    const up = (x: tf.Tensor): tf.Tensor[] => [tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 2, x.shape[2]! * 2])];
    const upOut = await expectNoLeak(() => slidingWindowInference(up, input, { roiSize: [6, 4], multiOutput: true }));
    const upWhole = up(input);
    expect(upOut[0]!.shape).toEqual([1, 24, 20, 1]);
    expectClose(await upOut[0]!.data(), await upWhole[0]!.data(), 1e-6);
    tf.dispose([...upOut, ...upWhole]);
    // a two-output model: a 1x1 convolution of ones (the identity on one channel) and its 2x2 average
    const x = tfl.input({ shape: [null, null, 1] as unknown as number[] });
    const conv = tfl.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false, kernelInitializer: 'ones' }).apply(x) as tfl.SymbolicTensor;
    const pooled = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(conv) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: [conv, pooled] });
    const [full, half] = (await expectNoLeak(() => slidingWindowInference(model, input, { roiSize: [-1, 4], overlap: 0.5, multiOutput: true }))) as tf.Tensor[];
    expectClose(await full!.data(), await input.data(), 1e-6);
    const halfWhole = tf.avgPool(input as tf.Tensor4D, 2, 2, 'valid');
    expectClose(await half!.data(), await halfWhole.data(), 1e-6);
    tf.dispose([full!, half!, halfWhole]);
    model.dispose();
    // one tensor in, one tensor out, bit for bit the default path
    const f = (t: tf.Tensor): tf.Tensor => tf.sin(t);
    const one = await expectNoLeak(() => slidingWindowInference(f, input, { roiSize: 4, multiOutput: true }));
    const plain = await slidingWindowInference(f, input, { roiSize: 4 });
    expect(one).toBeInstanceOf(tf.Tensor);
    expect(Array.from(await one.data())).toEqual(Array.from(await plain.data()));
    tf.dispose([one, plain, input]);
  });

  it('multiOutput: an image smaller than the window is padded and each head cropped at its scale', async () => {
    // 4 x 16 with roi 8: padded by 2 + 2 rows; the half-resolution crop is rows 1..2 of the 4-row head.
    const input = ramp([1, 4, 16, 1]);
    const heads = (x: tf.Tensor): tf.Tensor[] => [tf.neg(x), tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')];
    const [full, half] = await expectNoLeak(() => slidingWindowInference(heads, input, { roiSize: 8, multiOutput: true }));
    expect(half!.shape).toEqual([1, 2, 8, 1]);
    const expected = heads(input);
    expectClose(await full!.data(), await expected[0]!.data(), 1e-6);
    expectClose(await half!.data(), await expected[1]!.data(), 1e-6);
    tf.dispose([full!, half!, ...expected]);
    // 6 rows: padded by 1 + 1, a crop starting half a voxel into the half-resolution head
    const six = ramp([1, 6, 16, 1]);
    await expect(slidingWindowInference(heads, six, { roiSize: 8, multiOutput: true })).rejects.toThrow(
      /output 1 is 4 voxels along spatial axis 0 for windows of 8: scale 4\/8 puts position 1 .* between output voxels/,
    );
    tf.dispose([six, input]);
  });

  it('multiOutput: scales that are not integer-consistent, bad outputs and bad options throw UnetKitError without leaking', async () => {
    const input = ramp([1, 16, 16, 1]);
    const before = tf.memory().numTensors;
    // 3 voxels per window of 8: the window starting at 4 would begin at 1.5
    const odd = (x: tf.Tensor): tf.Tensor[] => [tf.clone(x), tf.image.resizeBilinear(x as tf.Tensor4D, [3, 3])];
    await expect(slidingWindowInference(odd, input, { roiSize: 8, multiOutput: true })).rejects.toThrow(UnetKitError);
    await expect(slidingWindowInference(odd, input, { roiSize: 8, multiOutput: true })).rejects.toThrow(
      /output 1 is 3 voxels along spatial axis 0 for windows of 8: scale 3\/8 puts position 4 .*multiples of 8/,
    );
    // with zero overlap the starts 0, 8 are fine: the same head is accepted
    const ok = await slidingWindowInference(odd, input, { roiSize: 8, overlap: 0, multiOutput: true });
    expect(ok[1]!.shape).toEqual([1, 6, 6, 1]);
    tf.dispose(ok);
    const record = (x: tf.Tensor) => ({ main: tf.clone(x), aux: tf.fill([x.shape[0]!, 4, 4, 1], NaN) });
    await expect(slidingWindowInference(record, input, { roiSize: 8, multiOutput: true })).rejects.toThrow(
      /predictor returned NaN in output 'aux' for the window starting at \[0, 0\] of sample 0; expected finite outputs/,
    );
    const flat = (x: tf.Tensor) => [tf.clone(x), tf.zeros([x.shape[0]!, 4, 1])];
    await expect(slidingWindowInference(flat, input, { roiSize: 8, multiOutput: true })).rejects.toThrow(
      /output 1 has shape \[4, 4, 1\]; expected \[4, \.\.\.2 spatial sizes, C\]/,
    );
    let calls = 0;
    const growing = (x: tf.Tensor) => (++calls === 1 ? [tf.clone(x)] : [tf.clone(x), tf.clone(x)]);
    await expect(slidingWindowInference(growing, input, { roiSize: 8, batchSize: 1, multiOutput: true })).rejects.toThrow(
      /returned an array of 2 after an array of 1 for an earlier batch/,
    );
    await expect(slidingWindowInference(() => [] as tf.Tensor[], input, { roiSize: 8, multiOutput: true })).rejects.toThrow(
      /returned an array holding nothing; expected a tensor, an array of tensors or a record of tensors/,
    );
    await expect(slidingWindowInference(identity, input, { roiSize: 8, multiOutput: true, outputIndex: 0 } as never)).rejects.toThrow(
      /options.outputIndex is 0; expected undefined with multiOutput: true/,
    );
    await expect(slidingWindowInference(identity, input, { roiSize: 8, multiOutput: 1 } as never)).rejects.toThrow(/options.multiOutput is 1; expected true or false/);
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});
