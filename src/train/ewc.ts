import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber, assertOptions, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

/** A loss `(yTrue, yPred) => tensor` (per sample or scalar: it is averaged). */
export type EwcLossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** What {@link ewcAnchor} returns: the old task's weights and their diagonal Fisher information. */
export interface EwcAnchor {
  /** The model's trainable weights it anchors, in `model.trainableWeights` order. */
  readonly variables: readonly tfl.LayerVariable[];
  /** theta*: each weight's value when the anchor was taken. */
  readonly optimum: readonly tf.Tensor[];
  /** F: the diagonal Fisher information of each weight, same shapes. */
  readonly fisher: readonly tf.Tensor[];
  /** Frees `optimum` and `fisher`. */
  dispose(): void;
}

/** Options of {@link ewcAnchor}. */
export interface EwcAnchorOptions {
  /** Samples of `x` used (the first ones), each a backward pass. Default: all. */
  maxSamples?: number;
}

function assertModel(fn: string, model: unknown): asserts model is tfl.LayersModel {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { trainableWeights?: unknown }).trainableWeights) || typeof (model as tfl.LayersModel).apply !== 'function') {
    fail(fn, 'model', model, 'a tf.LayersModel');
  }
}

/**
 * The anchor of elastic weight consolidation (Kirkpatrick et al., "Overcoming catastrophic
 * forgetting in neural networks", PNAS 2017): the model's current trainable weights theta* (after
 * training on task A) and their diagonal Fisher information, estimated as the mean over the
 * samples of task A of the squared per-sample gradient of the loss,
 * `F_i = 1/N sum_n (d loss(y_n, f(x_n)) / d theta_i)^2`: with a loss that is a negative
 * log-likelihood (cross-entropy; MSE for a Gaussian up to a factor 4) this is the empirical
 * Fisher of the paper's Sec. 2 (labels from the data rather than sampled from the model). One
 * backward pass per sample, in inference mode (no dropout, batch-norm moving statistics).
 *
 * @param model - The model trained on task A.
 * @param loss - Task A's loss `(yTrue, yPred)`.
 * @param x - Task A inputs `[N, ...]`.
 * @param y - Task A targets `[N, ...]`.
 * @param options - `maxSamples` (default all N).
 * @returns The anchor; dispose it when done.
 * @example
 * ```ts
 * const anchor = ewcAnchor(model, diceCELoss({ activation: 'sigmoid' }), xA, yA, { maxSamples: 64 });
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: ewcLoss(diceCELoss({ activation: 'sigmoid' }), anchor, { lambda: 100 }) });
 * await model.fit(xB, yB, { epochs: 5 }); // learns B, stays close to A where A's Fisher is large
 * ```
 */
export function ewcAnchor(model: tfl.LayersModel, loss: EwcLossFunction, x: tf.Tensor, y: tf.Tensor, options: EwcAnchorOptions = {}): EwcAnchor {
  const fn = 'ewcAnchor';
  assertModel(fn, model);
  if (typeof loss !== 'function') fail(fn, 'loss', loss, 'a function (yTrue, yPred) => tensor');
  if (!(x instanceof tf.Tensor) || x.rank < 2) fail(fn, 'x', x, 'a tensor [N, ...] of task A inputs');
  if (!(y instanceof tf.Tensor) || y.shape[0] !== x.shape[0]) fail(fn, 'y', y instanceof tf.Tensor ? `a tensor of shape [${y.shape.join(', ')}]` : y, `a tensor [${x.shape[0]}, ...] (one target per input)`);
  assertOptions(fn, options, { maxSamples: (f, a, v) => assertInteger(f, a, v, { min: 1 }) });
  const variables = model.trainableWeights;
  if (variables.length === 0) fail(fn, 'model', model.name, 'a model with trainable weights');
  const count = Math.min(options.maxSamples ?? x.shape[0]!, x.shape[0]!);
  const live = variables.map((v) => v.read() as tf.Variable);
  const fisher = variables.map((v) => tf.zeros(v.shape as number[]));
  try {
    for (let n = 0; n < count; n++) {
      const { grads, value } = tf.variableGrads(() => {
        const xn = tf.slice(x, n, 1);
        const yn = tf.slice(y, n, 1);
        return tf.mean(loss(yn, model.apply(xn, { training: false }) as tf.Tensor)) as tf.Scalar;
      }, live);
      if (!Number.isFinite(value.dataSync()[0]!)) throw new UnetKitError(fn, 'loss', `is ${value.dataSync()[0]} on sample ${n}; expected a finite loss on every task A sample.`);
      live.forEach((v, i) => {
        const g = grads[v.name];
        if (g === undefined) return;
        const next = tf.tidy(() => tf.add(fisher[i]!, tf.div(tf.square(g), count)));
        fisher[i]!.dispose();
        fisher[i] = next;
      });
      tf.dispose([value, ...Object.values(grads)]);
    }
  } catch (error) {
    tf.dispose(fisher);
    throw error;
  }
  const optimum = live.map((v) => tf.clone(v));
  return {
    variables,
    optimum,
    fisher,
    dispose: () => tf.dispose([...optimum, ...fisher]),
  };
}

function assertAnchor(fn: string, anchor: unknown): asserts anchor is EwcAnchor {
  const a = anchor as Partial<EwcAnchor> | null;
  if (a === null || typeof a !== 'object' || !Array.isArray(a.variables) || !Array.isArray(a.fisher) || !Array.isArray(a.optimum)) fail(fn, 'anchor', anchor, 'an anchor from ewcAnchor');
  if (a.fisher.some((t) => t.isDisposed)) fail(fn, 'anchor', 'a disposed anchor', 'an anchor from ewcAnchor that is not disposed');
}

/**
 * The elastic weight consolidation penalty for the model's current weights (Kirkpatrick et al.
 * 2017, eq. 3): `lambda / 2 * sum_i F_i (theta_i - theta*_i)^2` over the anchored weights.
 * Differentiable in the weights: add it to the loss in a custom training step.
 *
 * @param anchor - From {@link ewcAnchor}.
 * @param lambda - How much task A matters against task B (> 0).
 * @example `optimizer.minimize(() => tf.add(loss(y, model.apply(x) as tf.Tensor), ewcPenalty(anchor, 100)) as tf.Scalar)`
 */
export function ewcPenalty(anchor: EwcAnchor, lambda: number): tf.Scalar {
  assertAnchor('ewcPenalty', anchor);
  assertNumber('ewcPenalty', 'lambda', lambda, { min: 0 });
  return tf.tidy(() => {
    const terms = anchor.variables.map((v, i) => tf.sum(tf.mul(anchor.fisher[i]!, tf.square(tf.sub(v.read(), anchor.optimum[i]!)))));
    // A chain of adds, not tf.addN: WebGPU's addN binds every input as a storage buffer and a
    // shader stage may have only 8, so a model with more weights got NaN there.
    return tf.mul(terms.reduce((sum, term) => tf.add(sum, term)), lambda / 2) as tf.Scalar;
  });
}

/** Options of {@link ewcLoss}. */
export interface EwcLossOptions {
  /** Weight of the penalty. Default 1 (Kirkpatrick et al. tune it per problem: 10 - 1e4 are common). */
  lambda?: number;
}

/**
 * `loss` plus the {@link ewcPenalty} of `anchor`, as a `(yTrue, yPred)` loss for
 * `model.compile`, so `model.fit` trains task B with EWC. It works because tfjs-layers computes
 * the compiled loss inside the gradient tape of every training step: the penalty reads the
 * model's weights there, so its gradient `lambda F (theta - theta*)` joins the loss's. The
 * reported loss (and validation loss) includes the penalty. Several old tasks: sum their Fisher
 * matrices into one anchor, or wrap twice.
 *
 * @param loss - Task B's loss.
 * @param anchor - From {@link ewcAnchor} on task A (same model).
 * @param options - `lambda` (default 1).
 * @example `model.compile({ optimizer: tf.train.adam(1e-3), loss: ewcLoss(tf.losses.meanSquaredError, anchor, { lambda: 50 }) })`
 */
export function ewcLoss(loss: EwcLossFunction, anchor: EwcAnchor, options: EwcLossOptions = {}): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  const fn = 'ewcLoss';
  if (typeof loss !== 'function') fail(fn, 'loss', loss, 'a function (yTrue, yPred) => tensor');
  assertAnchor(fn, anchor);
  assertOptions(fn, options, { lambda: (f, a, v) => assertNumber(f, a, v, { min: 0 }) });
  const lambda = options.lambda ?? 1;
  return (yTrue, yPred) => tf.tidy(() => tf.add(tf.mean(loss(yTrue, yPred)), ewcPenalty(anchor, lambda)) as tf.Scalar);
}
