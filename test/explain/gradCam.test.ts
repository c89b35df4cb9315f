import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { gradCam, gradCamPlusPlus } from '../../src/explain/gradCam.js';
import { spatialLayers } from '../../src/layers/spatial.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

/** Region (quadrant in 2D, octant in 3D) of a voxel: one bit per axis, set in the far half. */
function regionOf(index: number[], size: number): number {
  return index.reduce((r, i) => r * 2 + (i >= size / 2 ? 1 : 0), 0);
}

function voxels(dims: number, size: number): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[]) => {
    if (prefix.length === dims) out.push(prefix);
    else for (let i = 0; i < size; i++) walk([...prefix, i]);
  };
  walk([]);
  return out;
}

/**
 * A net whose answer is known: channel q of the input (and of the 'features' layer, an identity
 * 1x1 conv + ReLU) is non-zero only in region q; the head reads only the channels in `head`.
 * With `pool`, the features are at half resolution (max-pool before, up-sample after).
 */
function regionNet(dims: 2 | 3, size: number, head: number[][], pool = false): tfl.LayersModel {
  const L = spatialLayers(dims);
  const regions = 2 ** dims;
  const input = tfl.input({ shape: [...new Array<number>(dims).fill(size), regions] });
  let x: tfl.SymbolicTensor = input;
  if (pool) x = L.maxPool({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = L.conv({ filters: regions, kernelSize: 1, useBias: false, name: 'features_conv' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'features' }).apply(x) as tfl.SymbolicTensor;
  if (pool) x = L.upsample({ size: 2 }).apply(x) as tfl.SymbolicTensor;
  const out = L.conv({ filters: head.length, kernelSize: 1, useBias: false, name: 'head' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const ones = new Array<number>(dims).fill(1);
  tf.tidy(() => {
    model.getLayer('features_conv').setWeights([tf.reshape(tf.eye(regions), [...ones, regions, regions])]);
    // head[c][k]: weight of feature channel k in class c.
    model.getLayer('head').setWeights([tf.reshape(tf.transpose(tf.tensor2d(head)), [...ones, regions, head.length])]);
  });
  return model;
}

/** Input whose channel q holds values in [0.5, 1.5) inside region q and 0 elsewhere. */
function regionInput(dims: number, size: number): tf.Tensor {
  const regions = 2 ** dims;
  const grid = voxels(dims, size);
  const values = new Float32Array(grid.length * regions);
  let seed = 7;
  grid.forEach((index, v) => {
    seed = (seed * 16807) % 2147483647;
    values[v * regions + regionOf(index, size)] = 0.5 + seed / 2147483647;
  });
  return tf.tensor(values, [1, ...new Array<number>(dims).fill(size), regions]);
}

function regionMeans(cam: Float32Array | Int32Array | Uint8Array, dims: number, size: number): number[] {
  const regions = 2 ** dims;
  const sums = new Array<number>(regions).fill(0);
  const counts = new Array<number>(regions).fill(0);
  voxels(dims, size).forEach((index, v) => {
    sums[regionOf(index, size)]! += cam[v]!;
    counts[regionOf(index, size)]! += 1;
  });
  return sums.map((s, r) => s / counts[r]!);
}

function argmaxRegion(cam: Float32Array | Int32Array | Uint8Array, dims: number, size: number): number {
  let best = 0;
  for (let i = 1; i < cam.length; i++) if (cam[i]! > cam[best]!) best = i;
  return regionOf(voxels(dims, size)[best]!, size);
}

describeEachBackend('gradCam', () => {
  for (const dims of [2, 3] as const) {
    const size = dims === 2 ? 16 : 8;
    const regions = 2 ** dims;
    for (const method of ['gradcam', 'gradcam++'] as const) {
      it(`${dims}D ${method}: a head that reads only region Q's channel gives a map that peaks in Q and is 0 elsewhere`, async () => {
        const x = regionInput(dims, size);
        for (const q of [0, regions - 1, 1]) {
          const head = [Array.from({ length: regions }, (_, k) => (k === q ? 1 : 0))];
          const model = regionNet(dims, size, head);
          const cam = await expectNoLeak(() => gradCam(model, x, { layer: 'features', method }));
          expect(cam.shape).toEqual([1, ...new Array<number>(dims).fill(size), 1]);
          const values = cam.dataSync();
          const means = regionMeans(values, dims, size);
          expect(argmaxRegion(values, dims, size)).toBe(q);
          means.forEach((m, r) => (r === q ? expect(m).toBeGreaterThan(0.3) : expect(m).toBe(0)));
          expect(Math.max(...values)).toBeCloseTo(1, 6);
          cam.dispose();
          model.dispose();
        }
        x.dispose();
      });
    }

    it(`${dims}D: features at half resolution come back at input resolution, still peaking in Q`, async () => {
      const x = regionInput(dims, size);
      const q = regions - 2;
      const model = regionNet(dims, size, [Array.from({ length: regions }, (_, k) => (k === q ? 1 : 0))], true);
      const cam = await expectNoLeak(() => gradCam(model, x, { layer: 'features' }));
      expect(cam.shape).toEqual([1, ...new Array<number>(dims).fill(size), 1]);
      const values = cam.dataSync();
      const means = regionMeans(values, dims, size);
      expect(argmaxRegion(values, dims, size)).toBe(q);
      for (let r = 0; r < regions; r++) if (r !== q) expect(means[r]!).toBeLessThan(means[q]! / 4);
      tf.dispose([cam, x]);
      model.dispose();
    });
  }

  it('a region mask restricts the target: hand-computed Grad-CAM and Grad-CAM++ weights (2D, two classes)', async () => {
    const size = 8;
    const x = regionInput(2, size);
    // class 1 reads every channel with weights h; class 0 is never explained.
    const h = [1, 2, 0.5, -1];
    const model = regionNet(2, size, [[0, 0, 0, 1], h]);
    const maskValues = voxels(2, size).map(([y, xx]) => (y! < 5 && xx! > 2 ? 1 : 0));
    const mask = tf.tensor(maskValues, [size, size]);
    const a = x.dataSync();
    const area = maskValues.reduce((s: number, m) => s + m, 0);
    const sumA = [0, 1, 2, 3].map((k) => voxels(2, size).reduce((s, _, v) => s + a[v * 4 + k]!, 0));
    // g_k(p) = h_k mask(p): Grad-CAM w_k = h_k area / voxels; Grad-CAM++ w_k = area h^2 / (2h^2 + sumA_k h^3 + 1e-7) relu(h_k).
    const wCam = h.map((hk) => (hk * area) / (size * size));
    const wPP = h.map((hk, k) => (area * hk * hk * Math.max(hk, 0)) / (2 * hk * hk + sumA[k]! * hk ** 3 + 1e-7));
    for (const [method, w] of [['gradcam', wCam], ['gradcam++', wPP]] as const) {
      const cam = await expectNoLeak(() => gradCam(model, x, { layer: 'features', classIndex: 1, mask, method, normalize: false }));
      const expected = voxels(2, size).map((_, v) => Math.max(0, [0, 1, 2, 3].reduce((s, k) => s + w[k]! * a[v * 4 + k]!, 0)));
      expectClose(Array.from(cam.dataSync()), expected, 1e-4);
      cam.dispose();
    }
    // The mask as [N, H, W, 1] gives the same map as [H, W].
    const m4 = tf.reshape(mask, [1, size, size, 1]);
    const [c1, c2] = [gradCam(model, x, { layer: 'features', classIndex: 1, mask }), gradCam(model, x, { layer: 'features', classIndex: 1, mask: m4 })];
    expectClose(Array.from(c1.dataSync()), Array.from(c2.dataSync()), 1e-6);
    // gradCamPlusPlus is gradCam with method 'gradcam++'.
    const pp = gradCamPlusPlus(model, x, { layer: 'features', classIndex: 1, mask });
    const viaOption = gradCam(model, x, { layer: 'features', classIndex: 1, mask, method: 'gradcam++' });
    expectClose(Array.from(pp.dataSync()), Array.from(viaOption.dataSync()), 1e-6);
    tf.dispose([x, mask, m4, c1, c2, pp, viaOption]);
    model.dispose();
  });

  it('restores the layer (no wrapper left behind) and rejects bad input with UnetKitError, leaking nothing', async () => {
    const x = regionInput(2, 8);
    const model = regionNet(2, 8, [[1, 0, 0, 0]]);
    const layer = model.getLayer('features');
    const cam = gradCam(model, x, { layer: 'features' });
    cam.dispose();
    expect(Object.prototype.hasOwnProperty.call(layer, 'call')).toBe(false);
    const before = tf.memory().numTensors;
    const bad: Array<[() => unknown, RegExp]> = [
      [() => gradCam(model, x, { layer: 'featurs' }), /gradCam: options.layer is 'featurs'; expected the name of a layer .* Did you mean 'features'\?/],
      [() => gradCam(model, x, { layer: 'features', classIndex: 1 }), /options.classIndex is 1; expected an integer in \[0, 0\] \(the model has 1 output channels\)/],
      [() => gradCam(model, x, { layer: 'features', mask: tf.ones([4, 4]) }), /options.mask has shape \[4, 4\]; expected the model output's spatial shape \[8, 8\]/],
      [() => gradCam(model, tf.ones([8, 8, 4]), { layer: 'features' }), /gradCam: x has shape \[8, 8, 4\] \(rank 3\)/],
      [() => gradCam(model, x, { layer: 'features', method: 'gradcam+' as never }), /options.method is 'gradcam\+'; expected one of 'gradcam', 'gradcam\+\+'/],
      [() => gradCam(model, x, { layer: 'features', clas: 1 } as never), /options.clas is not a known option/],
      [() => gradCam(model, x, undefined as never), /gradCam: options is undefined/],
      [() => gradCam({} as never, x, { layer: 'features' }), /gradCam: model is .*; expected a tf.LayersModel/],
      [() => gradCamPlusPlus(model, x, { layer: 'features', method: 'gradcam' } as never), /gradCamPlusPlus: options.method/],
    ];
    for (const [fn, message] of bad) {
      expect(fn).toThrow(UnetKitError);
      expect(fn).toThrow(message);
    }
    // (the [4, 4] mask and the rank-3 x above are the test's own tensors)
    expect(tf.memory().numTensors - before).toBe(2 * 2);
    expect(Object.prototype.hasOwnProperty.call(layer, 'call')).toBe(false);
    x.dispose();
    model.dispose();
  });
});

describe('gradCam on a shared layer', () => {
  it('refuses a layer the model applies twice, naming it', () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const shared = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'shared' });
    const out = shared.apply(shared.apply(input)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const x = tf.ones([1, 4, 4, 1]);
    const before = tf.memory().numTensors;
    expect(() => gradCam(model, x, { layer: 'shared' })).toThrow(/options.layer is 'shared', which the model applies 2 times \(a shared layer\)/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
