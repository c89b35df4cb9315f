import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { BatchNormalization, batchNormalization } from '../../src/layers/batchNormalization.js';
import { UnetKitError } from '../../src/core/errors.js';
import { BATCH_NORM_TRAINING } from '../../src/kernels/names.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

const SHAPE = [2, 3, 2, 3, 4] as const; // N, D, H, W, C
const C = 4;
const EPS = 1e-3;

function randomArray(n: number, seed: number, shift = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, (_, i) => rng.normal() * (1 + (i % C)) + shift);
}

/** Per-channel mean and biased variance over every non-channel position, in float64. */
function channelStats(x: Float32Array): { mean: number[]; variance: number[] } {
  const count = x.length / C;
  const mean = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let i = c; i < x.length; i += C) s += x[i]!;
    return s / count;
  });
  const variance = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let i = c; i < x.length; i += C) s += (x[i]! - mean[c]!) ** 2;
    return s / count;
  });
  return { mean, variance };
}

describeEachBackend('BatchNormalization (rank 5)', () => {
  const size = SHAPE.reduce((a, b) => a * b, 1);
  const xv = randomArray(size, 1, -0.5);
  const gamma = [0.5, 1, 1.5, 2];
  const beta = [0.1, -0.2, 0.3, 0];

  function built(): BatchNormalization {
    const layer = batchNormalization({ momentum: 0.9, epsilon: EPS });
    layer.build([...SHAPE]);
    layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([C]), tf.ones([C])]);
    return layer;
  }

  it('normalizes per channel over N, D, H, W in training, like the float64 formula', async () => {
    const layer = built();
    const x = tf.tensor(xv, [...SHAPE]);
    const y = await expectNoLeak(() => layer.apply(x, { training: true }) as tf.Tensor);
    const got = await y.data();
    const { mean, variance } = channelStats(xv);
    // y = gamma * (x - mean_c) / sqrt(var_c + eps) + beta  (Ioffe & Szegedy 2015, Alg. 1)
    const expected = Array.from(xv, (v, i) => gamma[i % C]! * (v - mean[i % C]!) / Math.sqrt(variance[i % C]! + EPS) + beta[i % C]!);
    expectClose(Array.from(got), expected, 1e-4);
    expect(y.shape).toEqual([...SHAPE]);
    // Moving averages: m <- m - (m - batch) * (1 - momentum) = 0.1 * mean (from 0), v <- 0.9 + 0.1 * var.
    const [, , movingMean, movingVar] = layer.getWeights();
    expectClose(Array.from(await movingMean!.data()), mean.map((m) => 0.1 * m), 1e-5);
    expectClose(Array.from(await movingVar!.data()), variance.map((v) => 0.9 + 0.1 * v), 1e-5);
    tf.dispose([x, y]);
  });

  it('uses the moving statistics at inference', async () => {
    const layer = built();
    const x = tf.tensor(xv, [...SHAPE]);
    const y = await expectNoLeak(() => layer.apply(x) as tf.Tensor);
    // moving mean 0, moving variance 1: y = gamma * x / sqrt(1 + eps) + beta
    const expected = Array.from(xv, (v, i) => gamma[i % C]! * v / Math.sqrt(1 + EPS) + beta[i % C]!);
    expectClose(Array.from(await y.data()), expected, 1e-5);
    tf.dispose([x, y]);
  });

  it('differentiates: dL/dx, dL/dgamma, dL/dbeta equal the closed-form batch-norm gradient', async () => {
    const layer = built();
    const x = tf.tensor(xv, [...SHAPE]);
    const rv = randomArray(size, 2);
    const r = tf.tensor(rv, [...SHAPE]);
    const [gammaVar, betaVar] = layer.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    const { grads, dx } = await expectNoLeak(() => {
      const f = () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar;
      const { value, grads: g } = tf.variableGrads(f, [gammaVar!, betaVar!]);
      value.dispose();
      const gx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r)))(x);
      return { grads: [g[gammaVar!.name]!, g[betaVar!.name]!], dx: gx };
    });
    const { mean, variance } = channelStats(xv);
    // With xhat = (x - mean) / sqrt(var + eps) and upstream r (L = sum r * y):
    // dbeta_c = sum r, dgamma_c = sum r * xhat,
    // dx = gamma / sqrt(var + eps) * (r - mean_c(r) - xhat * mean_c(r * xhat))
    const count = size / C;
    const xhat = Array.from(xv, (v, i) => (v - mean[i % C]!) / Math.sqrt(variance[i % C]! + EPS));
    const sumR = new Array<number>(C).fill(0);
    const sumRX = new Array<number>(C).fill(0);
    rv.forEach((v, i) => {
      sumR[i % C]! += v;
      sumRX[i % C]! += v * xhat[i]!;
    });
    const dxExpected = Array.from(rv, (v, i) => {
      const c = i % C;
      return (gamma[c]! / Math.sqrt(variance[c]! + EPS)) * (v - sumR[c]! / count - xhat[i]! * (sumRX[c]! / count));
    });
    expectClose(Array.from(await grads[0]!.data()), sumRX, 1e-3);
    expectClose(Array.from(await grads[1]!.data()), sumR, 1e-3);
    expectClose(Array.from(await dx.data()), dxExpected, 1e-3);
    tf.dispose([x, r, ...grads, dx]);
  });

  it('gives rank-4 input what the stock layer gives: outputs, input gradient, moving averages', async () => {
    const x = tf.tensor(xv, [2, 9, 2, 4]);
    const r = tf.tensor(randomArray(size, 3), [2, 9, 2, 4]);
    const ours = batchNormalization({ epsilon: EPS, momentum: 0.5 });
    const stock = tfl.layers.batchNormalization({ epsilon: EPS, momentum: 0.5 });
    for (const layer of [ours, stock]) {
      layer.build([2, 9, 2, 4]);
      layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([C]), tf.ones([C])]);
    }
    const run = (layer: tfl.layers.Layer) => {
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r)))(x);
      return [y, dx];
    };
    const [a, da] = run(ours);
    const [b, db] = run(stock);
    expectClose(Array.from(await a!.data()), Array.from(await b!.data()), 1e-5);
    expectClose(Array.from(await da!.data()), Array.from(await db!.data()), 1e-4);
    const weightsA = ours.getWeights();
    const weightsB = stock.getWeights();
    for (let i = 2; i < 4; i++) expectClose(Array.from(await weightsA[i]!.data()), Array.from(await weightsB[i]!.data()), 1e-5);
    tf.dispose([x, r, a!, b!, da!, db!]);
  });
});

describeEachBackend('BatchNormalization without unet-kit\'s fused kernel', (backend) => {
  it('the tensor-op path gives the fused kernel\'s outputs, gradients and moving averages', async () => {
    const shape = [2, 3, 2, 2, 4];
    const xv = randomArray(96, 7, 0.3);
    const rv = randomArray(96, 8);
    const run = async () => {
      const layer = batchNormalization({ momentum: 0.8 });
      layer.build(shape);
      layer.setWeights([tf.tensor1d([0.5, 1, 1.5, 2]), tf.tensor1d([0.1, -0.2, 0.3, 0]), tf.zeros([C]), tf.ones([C])]);
      const x = tf.tensor(xv, shape);
      const r = tf.tensor(rv, shape);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r)))(x);
      const out = [await y.data(), await dx.data(), ...(await Promise.all(layer.getWeights().slice(2).map((w) => w.data())))].map((a) => Array.from(a));
      tf.dispose([x, r, y, dx]);
      return out;
    };
    const fused = await run();
    const kernel = tf.getKernel(BATCH_NORM_TRAINING, backend)!;
    tf.unregisterKernel(BATCH_NORM_TRAINING, backend);
    try {
      const ops = await run();
      ops.forEach((values, i) => expectClose(values, fused[i], 1e-4));
    } finally {
      tf.registerKernel(kernel);
    }
  });
});

describe('BatchNormalization serialization and errors', () => {
  it("saves under Keras' class name and loads back as unet-kit's rank-5 layer", async () => {
    const input = tfl.input({ shape: [2, 2, 2, 3] });
    const output = batchNormalization({ name: 'bn3d' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const json = model.toJSON(undefined, false) as { config: { layers: Array<{ class_name: string }> } };
    expect(json.config.layers.map((l) => l.class_name)).toContain('BatchNormalization');
    const loaded = await tfl.models.modelFromJSON({ modelTopology: json as never });
    expect(loaded.getLayer('bn3d')).toBeInstanceOf(BatchNormalization);
    const x = tf.ones([1, 2, 2, 2, 3]);
    const y = loaded.predict(x) as tf.Tensor;
    // Fresh weights: gamma 1, beta 0, moving mean 0, variance 1 -> y = 1 / sqrt(1 + 1e-3).
    expectClose(Array.from(await y.data()), new Array(24).fill(1 / Math.sqrt(1 + EPS)), 1e-6);
    tf.dispose([x, y]);
  });

  it('rejects a non-channel axis on rank-5 input, naming the layer and the valid axes', () => {
    const layer = batchNormalization({ axis: 2 });
    expect(() => layer.build([1, 2, 2, 2, 3])).toThrow(UnetKitError);
    expect(() => layer.build([1, 2, 2, 2, 3])).toThrow(/BatchNormalization: args.axis is 2 .*\(-1 or 4\)/);
  });

  it('accepts axis 4 on rank-5 input as the channel axis', () => {
    const layer = batchNormalization({ axis: 4 });
    const y = layer.apply(tf.ones([1, 2, 2, 2, 3]), { training: true }) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 2, 3]);
    y.dispose();
  });
});
