import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING } from '../../src/kernels/names.js';
import type { ConcreteBackend } from '../../src/backend/packages.js';
import { activateTestBackend, testBackends } from '../helpers/backends.js';
import { upSampling3d } from '../../src/layers/upSampling3d.js';
import { backendBuffers, expectAllClose, randomInput } from './kernelHarness.js';

type Op = (...inputs: tf.Tensor[]) => tf.Tensor;

interface OpCase {
  name: string;
  inputs: number[][];
  op: Op;
}

const x4 = (t: tf.Tensor) => t as tf.Tensor4D;
const x5 = (t: tf.Tensor) => t as tf.Tensor5D;

// Every op a 2D or 3D U-Net runs, forward and backward, with inputs of both signs.
const OPS: OpCase[] = [
  { name: 'conv2d k3 s1 same', inputs: [[2, 9, 9, 3], [3, 3, 3, 8]], op: (x, w) => tf.conv2d(x4(x), x4(w), 1, 'same') },
  { name: 'conv2d k3 s2 valid', inputs: [[3, 9, 8, 4], [3, 3, 4, 5]], op: (x, w) => tf.conv2d(x4(x), x4(w), 2, 'valid') },
  {
    name: 'fused conv2d + bias + relu',
    inputs: [[2, 8, 8, 3], [3, 3, 3, 6], [6]],
    op: (x, w, b) => tf.fused.conv2d({ x: x4(x), filter: x4(w), strides: 1, pad: 'same', bias: b, activation: 'relu' }),
  },
  { name: 'conv2dTranspose k2 s2 same', inputs: [[2, 4, 5, 6], [2, 2, 3, 6]], op: (x, w) => tf.conv2dTranspose(x4(x), x4(w), [2, 8, 10, 3], 2, 'same') },
  { name: 'conv2dTranspose k3 s2 same', inputs: [[1, 4, 4, 4], [3, 3, 2, 4]], op: (x, w) => tf.conv2dTranspose(x4(x), x4(w), [1, 8, 8, 2], 2, 'same') },
  {
    name: 'separableConv2d k3 s1 same',
    inputs: [[2, 7, 7, 3], [3, 3, 3, 1], [1, 1, 3, 5]],
    op: (x, d, p) => tf.separableConv2d(x4(x), x4(d), x4(p), 1, 'same'),
  },
  { name: 'depthwiseConv2d k3 s2 same m2', inputs: [[1, 8, 8, 4], [3, 3, 4, 2]], op: (x, w) => tf.depthwiseConv2d(x4(x), x4(w), 2, 'same') },
  { name: 'maxPool 2x2 s2 same', inputs: [[2, 8, 9, 3]], op: (x) => tf.maxPool(x4(x), 2, 2, 'same') },
  { name: 'maxPool 2x2 s2 all negative', inputs: [[2, 6, 6, 3]], op: (x) => tf.maxPool(tf.neg(tf.abs(x4(x))), 2, 2, 'valid') },
  { name: 'avgPool 2x2 s2', inputs: [[2, 8, 8, 3]], op: (x) => tf.avgPool(x4(x), 2, 2, 'valid') },
  {
    name: 'batchNorm rank 4',
    inputs: [[2, 5, 5, 3], [3], [3], [3], [3]],
    op: (x, m, v, o, s) => tf.batchNorm(x4(x), m!, tf.add(tf.abs(v!), 0.5), o, s, 1e-3),
  },
  {
    name: 'moments-based (training) batch norm',
    inputs: [[3, 4, 4, 3], [3], [3]],
    op: (x, g, b) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x4(x), mean, variance, b, g, 1e-3);
    },
  },
  { name: 'resizeBilinear x2', inputs: [[2, 4, 5, 3]], op: (x) => tf.image.resizeBilinear(x4(x), [8, 10]) },
  { name: 'resizeBilinear x2 alignCorners', inputs: [[3, 5, 4, 2]], op: (x) => tf.image.resizeBilinear(x4(x), [10, 8], true) },
  { name: 'resizeNearestNeighbor x2', inputs: [[2, 4, 5, 3]], op: (x) => tf.image.resizeNearestNeighbor(x4(x), [8, 10]) },
  { name: 'resizeNearestNeighbor x3 alignCorners', inputs: [[3, 3, 4, 2]], op: (x) => tf.image.resizeNearestNeighbor(x4(x), [9, 12], true) },
  { name: 'concat skip + relu', inputs: [[2, 4, 4, 3], [2, 4, 4, 2]], op: (a, b) => tf.relu(tf.concat([a!, b!], -1)) },
  { name: 'conv3d k3 s1 same', inputs: [[2, 5, 6, 5, 3], [3, 3, 3, 3, 4]], op: (x, w) => tf.conv3d(x5(x), x5(w), 1, 'same') },
  { name: 'conv3d k3 s2 valid', inputs: [[1, 7, 7, 6, 2], [3, 3, 3, 2, 3]], op: (x, w) => tf.conv3d(x5(x), x5(w), 2, 'valid') },
  { name: 'conv3dTranspose k2 s2 same', inputs: [[2, 2, 3, 2, 4], [2, 2, 2, 3, 4]], op: (x, w) => tf.conv3dTranspose(x5(x), x5(w), [2, 4, 6, 4, 3], 2, 'same') },
  { name: 'conv3dTranspose k3 s2 same', inputs: [[1, 3, 3, 3, 2], [3, 3, 3, 2, 2]], op: (x, w) => tf.conv3dTranspose(x5(x), x5(w), [1, 6, 6, 6, 2], 2, 'same') },
  { name: 'maxPool3d 2 s2', inputs: [[2, 4, 5, 4, 3]], op: (x) => tf.maxPool3d(x5(x), 2, 2, 'same') },
  { name: 'maxPool3d 2 s2 all negative', inputs: [[2, 4, 4, 4, 3]], op: (x) => tf.maxPool3d(tf.neg(tf.abs(x5(x))), 2, 2, 'valid') },
  { name: 'avgPool3d 2 s2', inputs: [[2, 4, 4, 4, 3]], op: (x) => tf.avgPool3d(x5(x), 2, 2, 'valid') },
  {
    name: 'batchNorm rank 5 via [N, D*H, W, C]',
    inputs: [[2, 3, 4, 4, 3], [3], [3]],
    op: (x, g, b) => {
      const y = tf.reshape(x, [2, 12, 4, 3]) as tf.Tensor4D;
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      return tf.reshape(tf.batchNorm(y, mean, variance, b, g, 1e-3), [2, 3, 4, 4, 3]);
    },
  },
  // unet-kit's own paths: the fused training batch norm of its BatchNormalization layer (rank 4
  // and 5) and the 3D up-sampling layer of the 3D decoders (nearest and trilinear).
  {
    name: "unet-kit's fused training batch norm, rank 4",
    inputs: [[3, 5, 4, 3], [3], [3]],
    op: (x, g, b) => (tf.engine().runKernel(BATCH_NORM_TRAINING, { x: x!, gamma: g!, beta: b! }, { epsilon: 1e-3 }) as tf.Tensor[])[0]!,
  },
  {
    name: "unet-kit's fused training batch norm, rank 5",
    inputs: [[2, 3, 4, 5, 16], [16], [16]],
    op: (x, g, b) => (tf.engine().runKernel(BATCH_NORM_TRAINING, { x: x!, gamma: g!, beta: b! }, { epsilon: 1e-3 }) as tf.Tensor[])[0]!,
  },
  { name: 'UpSampling3D nearest x2', inputs: [[2, 2, 3, 2, 3]], op: (x) => upSampling3d({ size: [2, 2, 2] }).apply(x!) as tf.Tensor },
  { name: 'UpSampling3D trilinear x2', inputs: [[2, 3, 2, 3, 2]], op: (x) => upSampling3d({ size: [2, 2, 2], interpolation: 'linear' }).apply(x!) as tf.Tensor },
];

/** Output and the gradients of sum(r * output) with respect to every input, as plain arrays. */
async function evaluate(backend: ConcreteBackend, c: OpCase, seed: number) {
  await activateTestBackend(backend);
  const inputs = c.inputs.map((shape, i) => tf.tensor(randomInput(shape, seed + i).values, shape));
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backendBuffers();
  const y = tf.tidy(() => c.op(...inputs));
  const r = tf.tensor(randomInput(y.shape, seed + 99).values, y.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.op(...xs), r)))(inputs);
  const read = async (t: tf.Tensor) => ({ shape: t.shape, values: Float32Array.from(await t.data()) });
  const result = { y: await read(y), grads: await Promise.all(grads.map(read)) };
  tf.dispose([y, r, ...grads]);
  expect(tf.memory().numTensors, `${c.name} on ${backend}: tensors`).toBe(tensorsBefore);
  expect(backendBuffers(), `${c.name} on ${backend}: backend buffers`).toBe(buffersBefore);
  tf.dispose(inputs);
  return result;
}

// wasm and, where tfjs-node is present, tensorflow, each against the cpu backend.
const OTHERS = testBackends().filter((b) => b !== 'cpu');

describe('wasm (and tensorflow) = cpu on every op of the U-Net path (outputs and gradients)', () => {
  OPS.forEach((c, i) => {
    it(c.name, async () => {
      const cpu = await evaluate('cpu', c, 1000 + 10 * i);
      for (const other of OTHERS) {
        const got = await evaluate(other, c, 1000 + 10 * i);
        expectAllClose(got.y, cpu.y, `${c.name} on ${other}: output`);
        cpu.grads.forEach((g, j) => expectAllClose(got.grads[j]!, g, `${c.name} on ${other}: gradient ${j}`));
      }
    });
  });
});

describe('wasm (and tensorflow) = cpu on the reshaping and reduction kernels the U-Net gradients use', () => {
  const cases: OpCase[] = [
    { name: 'slice rank 5', inputs: [[2, 3, 4, 5, 6]], op: (x) => tf.slice(x!, [1, 0, 1, 2, 3], [1, 3, 2, 3, 2]) },
    { name: 'slice rank 5, whole inner axes', inputs: [[2, 3, 4, 5, 6]], op: (x) => tf.slice(x!, [0, 1, 0, 0, 0], [2, 2, 4, 5, 6]) },
    { name: 'slice rank 6', inputs: [[2, 2, 3, 2, 2, 3]], op: (x) => tf.slice(x!, [0, 1, 1, 0, 1, 0], [2, 1, 2, 2, 1, 3]) },
    { name: 'split rank 5 along channels (concat gradient)', inputs: [[2, 3, 4, 4, 5]], op: (x) => tf.concat(tf.split(x!, [2, 3], -1).map((t, i) => tf.mul(t, i + 1)), -1) },
    { name: 'split rank 5 along depth', inputs: [[2, 4, 3, 3, 2]], op: (x) => tf.concat(tf.split(x!, 2, 1).map((t, i) => tf.mul(t, i + 2)), 1) },
    { name: 'sum over leading axes (bias gradient)', inputs: [[3, 4, 5, 6]], op: (x) => tf.sum(x!, [0, 1, 2]) },
    { name: 'mean over leading axes, keepDims, rank 5', inputs: [[2, 3, 4, 2, 5]], op: (x) => tf.mean(x!, [2, 0, 1, 3], true) },
    { name: 'sum over other axes', inputs: [[3, 4, 5]], op: (x) => tf.sum(x!, [1]) },
    { name: 'mean over all axes', inputs: [[3, 4, 5]], op: (x) => tf.mean(x!) },
  ];
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const cpu = await evaluate('cpu', c, 2000 + 10 * i);
      for (const other of OTHERS) {
        const got = await evaluate(other, c, 2000 + 10 * i);
        expectAllClose(got.y, cpu.y, `${c.name} on ${other}: output`);
        cpu.grads.forEach((g, j) => expectAllClose(got.grads[j]!, g, `${c.name} on ${other}: gradient ${j}`));
      }
    });
  });
});
