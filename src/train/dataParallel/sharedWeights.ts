import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { product } from '../../core/shape.js';
import type { WorkerInit } from './protocol.js';

type Weights = tfl.LayersModel['weights'];

/**
 * The shard-size-weighted mean of `share.length` gradient regions of `size` floats each, written
 * over region 0 of `g` in one pass. Rounded to float32 after each term, so that the result is
 * the sum of a few float32 terms like the reductions of a single-process gradient. With one
 * shard region 0 already is the mean.
 *
 * @example `averageInPlace(grads, trainableSize, [0.6, 0.4]);`
 */
export function averageInPlace(g: Float32Array, size: number, share: readonly number[]): void {
  if (share.length === 2) {
    const [w0, w1] = share as [number, number];
    for (let k = 0; k < size; k++) g[k] = Math.fround(w0 * g[k]!) + w1 * g[size + k]!;
  } else if (share.length > 2) {
    for (let k = 0; k < size; k++) {
      let s = Math.fround(share[0]! * g[k]!);
      for (let j = 1; j < share.length; j++) s = Math.fround(s + share[j]! * g[j * size + k]!);
      g[k] = s;
    }
  }
}

/**
 * A model's weights laid out in `SharedArrayBuffer`s for `workers` workers (see
 * {@link WorkerInit}): all weights once, then per worker a region of trainable gradients and one
 * of non-trainable state (batch-norm moving statistics).
 *
 * @example
 * ```ts
 * const shared = new SharedWeights(model.weights, 2);
 * const changed = shared.publishChanged(); // indices for a `load` message
 * ```
 */
export class SharedWeights {
  /** Shapes of the weights, in `model.weights` order. */
  readonly shapes: number[][];
  /** For each weight: true when trainable. */
  readonly trainable: boolean[];
  /** The buffers every worker receives. */
  readonly buffers: Pick<WorkerInit, 'weights' | 'grads' | 'state'>;
  private readonly variables: tf.Variable[];
  private readonly sizes: number[];
  private readonly offsets: number[];
  private readonly trainableIdx: number[];
  private readonly stateIdx: number[];
  private readonly trainableSize: number;
  private readonly stateSize: number;
  private readonly weightView: Float32Array;
  private readonly gradView: Float32Array;
  private readonly stateView: Float32Array;
  // The dataId of each variable when it was last copied into the buffer. tfjs gives a variable
  // a new dataId on every change of its value (optimizer steps, setWeights, assign), so comparing
  // them finds the weights the workers lack without reading any values.
  private readonly published: Array<object | undefined>;

  constructor(private readonly weights: Weights, workers: number) {
    this.variables = weights.map((w) => w.read() as tf.Variable);
    this.shapes = weights.map((w) => [...(w.shape as number[])]);
    this.trainable = weights.map((w) => w.trainable);
    this.sizes = this.shapes.map(product);
    let total = 0;
    this.offsets = this.sizes.map((size) => {
      const offset = total;
      total += size;
      return offset;
    });
    this.trainableIdx = this.trainable.flatMap((t, i) => (t ? [i] : []));
    this.stateIdx = this.trainable.flatMap((t, i) => (t ? [] : [i]));
    this.trainableSize = this.trainableIdx.reduce((a, i) => a + this.sizes[i]!, 0);
    this.stateSize = this.stateIdx.reduce((a, i) => a + this.sizes[i]!, 0);
    // Never zero-length: a model without state (or gradients) still gets a buffer to share.
    this.buffers = {
      weights: new SharedArrayBuffer(4 * Math.max(1, total)),
      grads: new SharedArrayBuffer(4 * Math.max(1, this.trainableSize * workers)),
      state: new SharedArrayBuffer(4 * Math.max(1, this.stateSize * workers)),
    };
    this.weightView = new Float32Array(this.buffers.weights);
    this.gradView = new Float32Array(this.buffers.grads);
    this.stateView = new Float32Array(this.buffers.state);
    this.published = this.variables.map(() => undefined);
  }

  /**
   * Copies the weights whose value changed since the last call into the shared buffer and
   * returns their indices (empty when none did).
   */
  publishChanged(): number[] {
    const indices: number[] = [];
    for (let i = 0; i < this.variables.length; i++) {
      const v = this.variables[i]!;
      const id = (v as unknown as { dataId: object }).dataId;
      if (this.published[i] === id) continue;
      this.weightView.set(v.dataSync() as Float32Array, this.offsets[i]);
      this.published[i] = id;
      indices.push(i);
    }
    return indices;
  }

  /** Averages the workers' gradients (into region 0) and their state (into the model), weighted by `share`. */
  average(share: readonly number[]): void {
    averageInPlace(this.gradView, this.trainableSize, share);
    this.averageState(share);
  }

  /** The first non-finite value of worker `worker`'s gradient region as "NaN in <variable>", or undefined. */
  firstNonFiniteGradient(worker: number): string | undefined {
    const region = this.gradView.subarray(worker * this.trainableSize, (worker + 1) * this.trainableSize);
    let o = 0;
    for (const i of this.trainableIdx) {
      for (let k = o; k < o + this.sizes[i]!; k++) {
        const v = region[k]!;
        if (!Number.isFinite(v)) return `${v} in ${this.variables[i]!.name}`;
      }
      o += this.sizes[i]!;
    }
    return undefined;
  }

  /** New tensors of the averaged gradients, keyed by variable name; the caller disposes them. */
  gradientTensors(): tf.NamedTensorMap {
    // wasm copies the values into its heap when the tensor is made, so a view of the shared
    // buffer is enough; other backends may keep the array they are given (cpu does).
    const copy = tf.getBackend() !== 'wasm';
    const named: tf.NamedTensorMap = {};
    let o = 0;
    for (const i of this.trainableIdx) {
      const view = this.gradView.subarray(o, o + this.sizes[i]!);
      named[this.variables[i]!.name] = tf.tensor(copy ? view.slice() : view, this.shapes[i]);
      o += this.sizes[i]!;
    }
    return named;
  }

  // Unchanged statistics are not written back: writing would give the variable a new dataId and
  // so resend it to every worker after each step.
  private averageState(share: readonly number[]): void {
    const { stateView, stateSize } = this;
    let o = 0;
    for (const i of this.stateIdx) {
      const size = this.sizes[i]!;
      const current = this.variables[i]!.dataSync() as Float32Array;
      const mean = new Float32Array(size);
      let changed = false;
      let diverged = false;
      for (let k = 0; k < size; k++) {
        let s = 0;
        for (let j = 0; j < share.length; j++) s += share[j]! * stateView[j * stateSize + o + k]!;
        mean[k] = s;
        if (mean[k] !== current[k]) changed = true;
        for (let j = 0; j < share.length && !diverged; j++) diverged = stateView[j * stateSize + o + k] !== mean[k];
      }
      if (changed) {
        const t = tf.tensor(mean, this.shapes[i]);
        this.weights[i]!.write(t);
        t.dispose();
      } else if (diverged) {
        // The mean equals the main thread's value but a worker holds its own: send it again.
        this.published[i] = undefined;
      }
      o += size;
    }
  }
}
