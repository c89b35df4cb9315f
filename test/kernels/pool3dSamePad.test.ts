import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { avgPoolGradKernel } from '../../src/kernels/common/avgPoolGrad.js';
import { maxPool3DGradKernel } from '../../src/kernels/common/loopKernels.js';
import { samePadPool3DKernels, samePoolReadShape } from '../../src/kernels/common/pool3dSamePad.js';
import { backendBuffers, expectAllClose, randomInput, runKernelOn, type RawInputs } from './kernelHarness.js';

type Shape5 = [number, number, number, number, number];
type Triple = [number, number, number];

interface Case {
  x: Shape5;
  k: Triple;
  s: Triple;
}

// Windows smaller than the stride on even sizes (tfjs' 'same' total -1), and mixed ones: depth
// k1 s2 on 4 (-1; TensorFlow 0), height k3 s2 on 6 (+1), width k2 s2 on 5 (+1); k2 s3 on 6 (-1).
const CASES: Case[] = [
  { x: [2, 4, 4, 4, 2], k: [1, 1, 1], s: [2, 2, 2] },
  { x: [1, 4, 6, 5, 3], k: [1, 3, 2], s: [2, 2, 2] },
  { x: [1, 6, 6, 4, 2], k: [2, 2, 2], s: [3, 3, 2] },
];

const name = (c: Case) => `${c.x.join('x')} k${c.k.join('x')} s${c.s.join('x')}`;

/**
 * TensorFlow's 'same' pool, written out: total pad max(0, (out - 1) * s + k - in) per axis,
 * front half rounded down; max over the in-bounds voxels, or their mean (the padding is not
 * counted); the gradient of the max to the first maximal voxel, of the mean to every voxel read.
 */
function tensorflowPool(c: Case, x: Float32Array, dy: Float32Array, kind: 'max' | 'avg'): { y: Float32Array; dx: Float32Array; outShape: Shape5 } {
  const [N, D, H, W, C] = c.x;
  const size = [D, H, W];
  const out = size.map((n, a) => Math.ceil(n / c.s[a]!)) as Triple;
  const front = size.map((n, a) => Math.floor(Math.max(0, (out[a]! - 1) * c.s[a]! + c.k[a]! - n) / 2));
  const y = new Float32Array(N * out[0] * out[1] * out[2] * C);
  const dx = new Float32Array(x.length);
  const at = (n: number, d: number, h: number, w: number, ch: number) => (((n * D + d) * H + h) * W + w) * C + ch;
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let od = 0; od < out[0]; od++)
      for (let oh = 0; oh < out[1]; oh++)
        for (let ow = 0; ow < out[2]; ow++)
          for (let ch = 0; ch < C; ch++, o++) {
            const read: number[] = [];
            for (let kd = 0; kd < c.k[0]; kd++)
              for (let kh = 0; kh < c.k[1]; kh++)
                for (let kw = 0; kw < c.k[2]; kw++) {
                  const [d, h, w] = [od * c.s[0] - front[0]! + kd, oh * c.s[1] - front[1]! + kh, ow * c.s[2] - front[2]! + kw];
                  if (d >= 0 && d < D && h >= 0 && h < H && w >= 0 && w < W) read.push(at(n, d, h, w, ch));
                }
            if (kind === 'max') {
              let best = read[0]!;
              for (const i of read) if (x[i]! > x[best]!) best = i;
              y[o] = x[best]!;
              dx[best] = dx[best]! + dy[o]!;
            } else {
              y[o] = read.reduce((sum, i) => sum + x[i]!, 0) / read.length;
              for (const i of read) dx[i] = dx[i]! + dy[o]! / read.length;
            }
          }
  return { y, dx, outShape: [N, ...out, C] };
}

const attrsOf = (c: Case) => ({ filterSize: c.k, strides: c.s, pad: 'same', dimRoundingMode: undefined, dataFormat: 'NDHWC' });

describe("3D pools with 'same' padding where the window is smaller than the stride", () => {
  it("tfjs' own pool info pads -1 in front; samePoolReadShape cuts those axes to what TensorFlow's windows read", () => {
    const stock = tf.backend_util.computePool3DInfo([1, 1, 4, 4, 1], 1, 2, 1, 'same');
    // If tfjs clamps the 3D pads, this fails: pool3dSamePad.ts can then go.
    expect(stock.padInfo.top).toBe(-1);
    expect(samePoolReadShape([1, 1, 4, 4, 1], { filterSize: 1, strides: 2, pad: 'same' })).toEqual([1, 1, 3, 3, 1]);
    expect(samePoolReadShape([1, 4, 6, 5, 3], { filterSize: [1, 3, 2], strides: 2, pad: 'same' })).toEqual([1, 3, 6, 5, 3]);
    // Pads tfjs gets right, and 'valid', need no cut.
    expect(samePoolReadShape([1, 8, 8, 8, 1], { filterSize: 2, strides: 2, pad: 'same' })).toBeUndefined();
    expect(samePoolReadShape([1, 4, 4, 4, 1], { filterSize: 1, strides: 2, pad: 'valid' })).toBeUndefined();
  });

  it('a 1x1x1 pool at stride 2 over the 4 x 4 plane 1..16 keeps [1, 3, 9, 11] (stock cpu: [6, 8, 14, 16]), max and average, on cpu and wasm', async () => {
    const x = { shape: [1, 1, 4, 4, 1], values: Float32Array.from({ length: 16 }, (_, i) => i + 1) };
    const attrs = { filterSize: [1, 1, 1], strides: [1, 2, 2], pad: 'same', dataFormat: 'NDHWC' };
    expect(Array.from((await runKernelOn('cpu', 'MaxPool3D', { x }, attrs, true)).values)).toEqual([6, 8, 14, 16]);
    for (const b of ['cpu', 'wasm'] as const) {
      for (const k of ['MaxPool3D', 'AvgPool3D']) expect(Array.from((await runKernelOn(b, k, { x }, attrs)).values), `${k} ${b}`).toEqual([1, 3, 9, 11]);
      // The gradient goes back to the voxels read: 0, 2, 8 and 10 of the plane.
      const dy = { shape: [1, 1, 2, 2, 1], values: Float32Array.from([10, 20, 30, 40]) };
      const expected = [10, 0, 20, 0, 0, 0, 0, 0, 30, 0, 40, 0, 0, 0, 0, 0];
      const output = { shape: [1, 1, 2, 2, 1], values: Float32Array.from([1, 3, 9, 11]) };
      expect(Array.from((await runKernelOn(b, 'MaxPool3DGrad', { dy, input: x, output }, attrs)).values), `MaxPool3DGrad ${b}`).toEqual(expected);
      expect(Array.from((await runKernelOn(b, 'AvgPool3DGrad', { dy, input: x }, attrs)).values), `AvgPool3DGrad ${b}`).toEqual(expected);
    }
  });

  CASES.forEach((c, i) => {
    const x = randomInput(c.x, 90 + i);
    const outShape = [c.x[0], ...c.x.slice(1, 4).map((n, a) => Math.ceil(n / c.s[a]!)), c.x[4]];
    const dy = randomInput(outShape, 95 + i);

    it(`cpu and wasm kernels = TensorFlow's 'same' pool written out, forward and gradient: ${name(c)}`, async () => {
      for (const kind of ['max', 'avg'] as const) {
        const ref = tensorflowPool(c, x.values, dy.values, kind);
        const [fwd, grad] = kind === 'max' ? ['MaxPool3D', 'MaxPool3DGrad'] : ['AvgPool3D', 'AvgPool3DGrad'];
        for (const b of ['cpu', 'wasm'] as const) {
          const y = await runKernelOn(b, fwd, { x }, attrsOf(c));
          expectAllClose(y, { shape: ref.outShape, values: ref.y }, `${fwd} ${b}`);
          const inputs: RawInputs = kind === 'max' ? { dy, input: x, output: y } : { dy, input: x };
          expectAllClose(await runKernelOn(b, grad, inputs, attrsOf(c)), { shape: c.x, values: ref.dx }, `${grad} ${b}`);
        }
      }
    });

    it(`the webgl/webgpu wrappers over stock kernels (run here on stock cpu) = the same, leaking nothing: ${name(c)}`, async () => {
      await useBackend('cpu');
      // Over stock cpu, with unet-kit's loop and divisor where stock cpu is wrong in other ways.
      const kernels = new Map(samePadPool3DKernels('cpu', { MaxPool3DGrad: maxPool3DGradKernel as tf.KernelFunc, AvgPool3DGrad: avgPoolGradKernel(tf.AvgPool3DGrad, 'cpu') }));
      const xt = tf.tensor5d(x.values, c.x);
      const dyt = tf.tensor(dy.values, outShape);
      const call = async (kernel: string, inputs: tf.NamedTensorInfoMap, shape: number[], expected: Float32Array) => {
        const tensors = tf.memory().numTensors;
        const buffers = backendBuffers();
        const info = kernels.get(kernel)!({ inputs, backend: tf.backend(), attrs: attrsOf(c) as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
        const out = tf.engine().makeTensorFromTensorInfo(info);
        expect(tf.memory().numTensors, `${kernel}: tensors`).toBe(tensors + 1);
        expect(backendBuffers(), `${kernel}: backend buffers`).toBe(buffers + 1);
        expectAllClose({ shape: out.shape, values: (await out.data()) as Float32Array }, { shape, values: expected }, kernel);
        return out;
      };
      for (const kind of ['max', 'avg'] as const) {
        const ref = tensorflowPool(c, x.values, dy.values, kind);
        const y = await call(kind === 'max' ? tf.MaxPool3D : tf.AvgPool3D, { x: xt }, ref.outShape, ref.y);
        const inputs = kind === 'max' ? { dy: dyt, input: xt, output: y } : { dy: dyt, input: xt };
        (await call(kind === 'max' ? tf.MaxPool3DGrad : tf.AvgPool3DGrad, inputs, c.x, ref.dx)).dispose();
        y.dispose();
      }
      tf.dispose([xt, dyt]);
    });
  });

  it('cpu MaxPool3DGrad gives a 1x2x1 window its gradient (stock cpu: [0, 0, 20, 0], rows indexed with the filter height)', async () => {
    const x = { shape: [1, 1, 4, 1, 1], values: Float32Array.from([0, 5, 7, 1]) };
    const attrs = { filterSize: [1, 2, 1], strides: [1, 2, 1], pad: 'valid', dataFormat: 'NDHWC' };
    const inputs = { dy: { shape: [1, 1, 2, 1, 1], values: Float32Array.from([10, 20]) }, input: x, output: { shape: [1, 1, 2, 1, 1], values: Float32Array.from([5, 7]) } };
    expect(Array.from((await runKernelOn('cpu', 'MaxPool3DGrad', inputs, attrs, true)).values)).toEqual([0, 0, 20, 0]);
    for (const b of ['cpu', 'wasm'] as const) expect(Array.from((await runKernelOn(b, 'MaxPool3DGrad', inputs, attrs)).values), b).toEqual([0, 10, 20, 0]);
  });

  it('tf.maxPool3d and tf.avgPool3d train through the fixed kernels: gradients of a 1x1x1 stride-2 pool land on the even voxels', async () => {
    await useBackend('cpu');
    const x = tf.tensor5d(Float32Array.from({ length: 16 }, (_, i) => i + 1), [1, 1, 4, 4, 1]);
    const before = tf.memory().numTensors;
    for (const pool of [tf.maxPool3d, tf.avgPool3d]) {
      const g = tf.grad((a: tf.Tensor) => tf.sum(pool(a as tf.Tensor5D, 1, 2, 'same')))(x);
      expect(Array.from(await g.data())).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
