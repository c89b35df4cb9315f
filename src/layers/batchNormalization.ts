import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_NORM_TRAINING } from '../kernels/names.js';
import { UnetKitError } from '../core/errors.js';

/** Options of {@link batchNormalization}: those of `tf.layers.batchNormalization`. */
export type BatchNormalizationArgs = Parameters<typeof tfl.layers.batchNormalization>[0];

type StockBatchNorm = ReturnType<typeof tfl.layers.batchNormalization>;
type StockBatchNormClass = new (args?: BatchNormalizationArgs) => StockBatchNorm;

// tfjs-layers does not export its BatchNormalization class; its serialization entry is the
// public handle on it. If unet-kit's class is registered already (a second copy of this module),
// take its parent so the subclass chain never wraps itself.
function stockClass(): StockBatchNormClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (entry === undefined) throw new UnetKitError('BatchNormalization', '@tensorflow/tfjs-layers', 'did not register its BatchNormalization class; expected @tensorflow/tfjs-layers ^4.22.');
  let cls = entry[0] as unknown as StockBatchNormClass & { unetKitRank5?: boolean };
  while (cls.unetKitRank5 === true) cls = Object.getPrototypeOf(cls) as StockBatchNormClass & { unetKitRank5?: boolean };
  return cls;
}

const Base = stockClass();

/**
 * Keras' `BatchNormalization` over the channel (last) axis, extended to rank-5 input
 * (`[N, D, H, W, C]` volumes), which tfjs 4.22's layer rejects ("not implemented for array of
 * rank 5") and tfjs-core's `batchNorm` cannot differentiate.
 *
 * Statistics are per channel over all other axes (Ioffe & Szegedy 2015, "Batch Normalization",
 * Alg. 1, with the per-feature-map statistics of their Sec. 3.2), as Keras computes them.
 * - Training (any rank): one fused kernel with a closed-form gradient where `installKernels` put
 *   it (cpu, wasm; 2 passes each way), else one custom-gradient op of tensor ops with the same
 *   closed form, about 4x fewer full-size passes than tfjs' gradient (no `Tile`). Values equal
 *   the stock layer's to float32 rounding; moving averages update the same way (biased batch
 *   variance, as tfjs-layers).
 * - Inference: the stock computation; a rank-5 input is reshaped to `[N, D*H, W, C]` around it
 *   (merging two non-channel axes leaves every channel's set of values unchanged).
 * Both are checked against a float64 evaluation of the formulas in the tests.
 *
 * Registered under Keras' class name `BatchNormalization`, replacing tfjs' registration: the
 * saved topology stays the one Keras (Python) reads for 2D and 3D nets, and a program that
 * imports `unet-kit/layers` loads 3D nets saved by unet-kit. Configuration, weights and results
 * at rank <= 4 are the stock layer's, so other models loaded in the same program are unaffected.
 *
 * @example
 * ```ts
 * const y = new BatchNormalization({ momentum: 0.99, epsilon: 1e-3 }).apply(tfl.input({ shape: [16, 16, 16, 8] })); // rank 5
 * ```
 */
export class BatchNormalization extends Base {
  /** Keras class name, used by save/load. */
  static className = 'BatchNormalization';
  /** Marks unet-kit's subclass (see `stockClass`). */
  static unetKitRank5 = true;

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const self = this as unknown as { axis: number };
    if (shape.length === 5) {
      if (self.axis !== -1 && self.axis !== 4) {
        throw new UnetKitError('BatchNormalization', 'args.axis', `is ${self.axis} for a rank-5 input; only the channel axis (-1 or 4) is supported.`);
      }
      // The rank-4 view of the input has its channels at -1 too.
      self.axis = -1;
    }
    // Weights are [C] and the input spec is {ndim: 5, axes: {4: C}} whatever the rank.
    super.build(shape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs['training'] === true) return tf.tidy(() => this.trainingCall(x));
    if (x.rank !== 5) return super.call(inputs, kwargs);
    const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
    return tf.tidy(() => {
      const y = super.call(tf.reshape(x, [n, d * h, w, c]), kwargs) as tf.Tensor;
      return tf.reshape(y, [n, d, h, w, c]);
    });
  }

  // Training-mode batch norm as one custom-gradient op at any rank: the forward normalizes
  // with the batch statistics and the backward is the closed form
  //   dbeta = sum(dy), dgamma = sum(dy * xhat),
  //   dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)),
  // (Ioffe & Szegedy 2015, Sec. 3) with sums and means per channel, instead of tfjs' gradient
  // through moments and a tiled FusedBatchNorm gradient (about 4x the full-size tensor passes).
  // The statistics reach the forward through the closure, so the tape never differentiates
  // moments, and only inputs are saved (tfjs' IS_TEST leak check counts saved intermediates as
  // leaks); the backward recomputes xhat from x.
  private trainingCall(x: tf.Tensor): tf.Tensor {
    const self = this as unknown as BatchNormInternals;
    const c = x.shape[x.rank - 1]!;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const count = x.size / c;
    const eps = self.epsilon;
    const gamma = self.scale ? self.gamma.read() : tf.ones([c]);
    const beta = self.center ? self.beta.read() : tf.zeros([c]);
    // Moving averages as tfjs-layers (and Keras) update them: m <- m - (m - batch) * (1 - momentum).
    const update = (variable: BatchNormVariable, value: tf.Tensor) =>
      tf.tidy(() => {
        const current = variable.read();
        variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - self.momentum)));
      });
    // installKernels registers one fused kernel (and its gradient) on cpu and wasm: 2 passes
    // forward and 2 backward instead of ~10 tensor ops each way.
    if (x.dtype === 'float32' && tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined && tf.getGradient(BATCH_NORM_TRAINING) !== undefined) {
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma, beta }, { epsilon: eps }) as tf.Tensor[];
      update(self.movingMean, mean!);
      update(self.movingVariance, variance!);
      return y!;
    }
    const { mean: batchMean, variance: batchVariance } = tf.moments(x, axes);
    // Per-channel vectors as [1, ..., 1, C], the input's rank: tfjs-backend-webgpu 4.22 returns
    // zeros for a rank-5 tensor against a rank-1 one of under 128 values (invalid WGSL).
    const along = [...new Array<number>(x.rank - 1).fill(1), c];
    const wide = (t: tf.Tensor): tf.Tensor => tf.reshape(t, along);
    const normalize = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      save([input, g]);
      const xhat = tf.mul(tf.sub(input, wide(batchMean)), tf.rsqrt(tf.add(wide(batchVariance), eps)));
      return {
        value: tf.add(tf.mul(xhat, wide(g)), wide(b)),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const grad = dy as tf.Tensor;
          const [savedX, savedGamma] = saved as [tf.Tensor, tf.Tensor];
          const { mean, variance } = tf.moments(savedX, axes, true);
          const rstd = tf.rsqrt(tf.add(variance, eps));
          const savedXhat = tf.mul(tf.sub(savedX, mean), rstd);
          const dBeta = tf.sum(grad, axes);
          const dGamma = tf.sum(tf.mul(grad, savedXhat), axes);
          const centered = tf.sub(tf.sub(grad, wide(tf.div(dBeta, count))), tf.mul(savedXhat, wide(tf.div(dGamma, count))));
          return [tf.mul(centered, tf.mul(wide(savedGamma), rstd)), dGamma, dBeta];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const y = normalize(x, gamma, beta);
    update(self.movingMean, batchMean);
    update(self.movingVariance, batchVariance);
    return y;
  }
}

interface BatchNormVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

/** The stock layer's fields this subclass reads (private in tfjs-layers' typings). */
interface BatchNormInternals {
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: BatchNormVariable;
  beta: BatchNormVariable;
  movingMean: BatchNormVariable;
  movingVariance: BatchNormVariable;
}
tf.serialization.registerClass(BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * Batch normalization over the channel (last) axis, for 2D (`[N, H, W, C]`) and 3D
 * (`[N, D, H, W, C]`) feature maps: the library's one entry point for batch norm.
 * Defaults are Keras': momentum 0.99, epsilon 1e-3, center and scale on.
 *
 * @example
 * ```ts
 * const bn = batchNormalization({ name: 'enc1_bn1' });
 * const y = bn.apply(tfl.input({ shape: [8, 8, 8, 4] })); // rank 5 works, forward and backward
 * ```
 */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization({ axis: -1, ...args });
}
