// Interactive correction for the predict page: the painted labels of a slab of slices (add /
// erase, with undo) and the few-step fine-tuning of the 2.5D model on them, with elastic weight
// consolidation (unet-kit/train's ewcPenalty) so it keeps what it knew about the other slices.
// Plain tfjs math, no DOM: the page draws and handles the pointer.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { distillationLoss, ewcPenalty, type EwcAnchor } from 'unet-kit/train';

/** A painted voxel's label: 1 brain (add), 0 background (erase); unpainted voxels are -1. */
export type PaintLabel = 0 | 1;
const UNPAINTED = -1;

/** One stroke, for undo: the voxels it changed in slice `z` and what they were before. */
interface Stroke {
  z: number;
  indices: number[];
  previous: number[];
}

/** The painted labels of a slab `[D, H, W]`, one Int8Array per painted slice (x fastest). */
export class Corrections {
  private readonly layers = new Map<number, Int8Array>();
  private readonly strokes: Stroke[] = [];
  private stroke: Stroke | undefined;

  constructor(
    readonly h: number,
    readonly w: number,
  ) {}

  /** Starts a stroke on slice `z`: what it paints is undone as one. */
  begin(z: number): void {
    this.end();
    this.stroke = { z, indices: [], previous: [] };
  }

  /** Paints a disc of `radius` voxels around (y, x) of the stroke's slice with `label`. */
  paint(y: number, x: number, radius: number, label: PaintLabel): void {
    const stroke = this.stroke;
    if (stroke === undefined) return;
    const layer = this.layer(stroke.z);
    const r = Math.max(0, radius - 0.5);
    for (let dy = -Math.ceil(r); dy <= Math.ceil(r); dy++) {
      for (let dx = -Math.ceil(r); dx <= Math.ceil(r); dx++) {
        const yy = Math.round(y) + dy;
        const xx = Math.round(x) + dx;
        if (yy < 0 || yy >= this.h || xx < 0 || xx >= this.w || dy * dy + dx * dx > r * r + 0.25) continue;
        const i = yy * this.w + xx;
        if (layer[i] === label) continue;
        stroke.indices.push(i);
        stroke.previous.push(layer[i]!);
        layer[i] = label;
      }
    }
  }

  /** Ends the stroke (a stroke that painted nothing is dropped). */
  end(): void {
    if (this.stroke !== undefined && this.stroke.indices.length > 0) this.strokes.push(this.stroke);
    this.stroke = undefined;
  }

  /** Undoes the last stroke; false when there is none. */
  undo(): boolean {
    this.end();
    const last = this.strokes.pop();
    if (last === undefined) return false;
    const layer = this.layer(last.z);
    for (let j = last.indices.length - 1; j >= 0; j--) layer[last.indices[j]!] = last.previous[j]!;
    return true;
  }

  /** Removes every painted label. */
  clear(): void {
    this.stroke = undefined;
    this.strokes.length = 0;
    this.layers.clear();
  }

  /** Slice `z`'s labels (-1 unpainted), or undefined when nothing was ever painted there. */
  labels(z: number): Int8Array | undefined {
    return this.layers.get(z);
  }

  /** The slices with at least one painted voxel, ascending. */
  paintedSlices(): number[] {
    return [...this.layers.entries()].filter(([, layer]) => layer.some((v) => v !== UNPAINTED)).map(([z]) => z).sort((a, b) => a - b);
  }

  /** Painted voxels in all. */
  count(): number {
    let n = 0;
    for (const layer of this.layers.values()) for (const v of layer) if (v !== UNPAINTED) n++;
    return n;
  }

  private layer(z: number): Int8Array {
    let layer = this.layers.get(z);
    if (layer === undefined) {
      layer = new Int8Array(this.h * this.w).fill(UNPAINTED);
      this.layers.set(z, layer);
    }
    return layer;
  }
}

/** `-log p(target | logit)` per voxel for a sigmoid output, without overflow: max(x, 0) - x t + log(1 + e^-|x|). */
function binaryCrossEntropyWithLogits(target: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

/**
 * The EWC anchor of the model as it is now (Kirkpatrick et al. 2017): its trainable weights
 * theta* and their diagonal Fisher information, the mean over `stacks` (2.5D inputs
 * `[N, H, W, 3]`) of the squared gradient of the per-voxel mean cross-entropy against the
 * model's own thresholded predictions, one backward pass per stack. The labels are the model's
 * (the page has no truth to trust): the Fisher then measures how much each weight matters to
 * what the model currently says, which is what fine-tuning should not forget. This is
 * unet-kit/train's `ewcAnchor` with the model's predictions as the targets, written out here
 * because `ewcAnchor` checks each loss with a synchronous read, and tfjs' synchronous WebGPU
 * read lost the device in Chromium (see shared/score.ts); the finiteness check here awaits.
 */
export async function predictionAnchor(net: LayersModel, stacks: tf.Tensor4D): Promise<EwcAnchor> {
  const variables = net.trainableWeights;
  const live = variables.map((v) => v.read() as tf.Variable);
  const count = stacks.shape[0];
  let fisher = variables.map((v) => tf.zeros(v.shape as number[]));
  try {
    for (let n = 0; n < count; n++) {
      const x = tf.slice(stacks, n, 1);
      // step(logit): 1 where the model says brain (p > 0.5), 0 elsewhere; float32 from the start.
      const y = tf.tidy(() => tf.step(net.apply(x, { training: false }) as tf.Tensor));
      const { value, grads } = tf.variableGrads(() => tf.mean(binaryCrossEntropyWithLogits(y, net.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar, live);
      const loss = (await value.data())[0]!;
      const next = live.map((v, i) => tf.tidy(() => (grads[v.name] === undefined ? tf.clone(fisher[i]!) : tf.add(fisher[i]!, tf.div(tf.square(grads[v.name]!), count)))));
      tf.dispose([x, y, value, ...Object.values(grads), ...fisher]);
      fisher = next;
      if (!Number.isFinite(loss)) throw new Error(`the model's loss on its own prediction of slice stack ${n} is ${loss}: are its weights NaN?`);
    }
  } catch (error) {
    tf.dispose(fisher);
    throw error;
  }
  const optimum = live.map((v) => tf.clone(v));
  return { variables, optimum, fisher, dispose: () => tf.dispose([...optimum, ...fisher]) };
}

/** The flat indices of the voxels whose weight is 0 (unpainted), as an int32 tensor. */
async function unpaintedIndices(weights: tf.Tensor): Promise<tf.Tensor1D> {
  const values = await weights.data();
  const indices: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === 0) indices.push(i);
  return tf.tensor1d(indices, 'int32');
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** Adam steps. */
  steps: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** The EWC anchor and its lambda; undefined fine-tunes on the painted voxels alone (the control). */
  ewc?: { anchor: EwcAnchor; lambda: number };
  /**
   * Learning without forgetting (Li & Hoiem 2017) on the painted slices' unpainted voxels: the
   * original model's logits there (`teacher`, `[N, H, W, 1]`), kept by unet-kit/train's
   * distillationLoss at temperature 2, weighted by `weight` against the painted voxels' loss.
   */
  lwf?: { teacher: tf.Tensor4D; weight: number };
  /** The optimizer. */
  optimizer?: 'adam' | 'sgd';
  /** Called after each step with (step, loss on the painted voxels, EWC penalty). */
  onStep?: (step: number, painted: number, penalty: number) => void;
}

/**
 * Fine-tunes `net` for a few Adam steps on painted slices: `stacks` `[N, H, W, 3]` (the 2.5D
 * inputs of the painted slices), `targets` and `weights` `[N, H, W, 1]` (1 where painted brain,
 * 0 where erased; weight 1 on painted voxels, 0 elsewhere). The loss is the cross-entropy
 * averaged over the painted voxels only, `sum(w * BCE) / sum(w)` (unpainted voxels say nothing),
 * plus the EWC penalty `lambda / 2 * sum F (theta - theta*)^2`. Cross-entropy rather than Dice:
 * Dice of an erase-only correction (all targets 0) is degenerate, while per-voxel cross-entropy
 * is defined on any painted subset. Returns the losses per step.
 */
export async function fineTune(net: LayersModel, stacks: tf.Tensor4D, targets: tf.Tensor4D, weights: tf.Tensor4D, options: FineTuneOptions): Promise<Array<[number, number]>> {
  const { steps, learningRate, ewc, lwf, onStep, optimizer: kind = 'adam' } = options;
  const total = tf.sum(weights);
  const painted = (await total.data())[0]!;
  total.dispose();
  if (!(painted > 0)) throw new Error('nothing is painted: paint a correction on the slice first');
  const keep = lwf === undefined ? undefined : await unpaintedIndices(weights);
  const teacher = lwf === undefined || keep === undefined ? undefined : tf.tidy(() => tf.reshape(tf.gather(tf.reshape(lwf.teacher, [-1]), keep), [1, -1, 1]));
  const distill = teacher === undefined ? undefined : distillationLoss(teacher, { activation: 'sigmoid', alpha: 1, temperature: 2 });
  const optimizer = kind === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
  const variables = net.trainableWeights.map((v) => v.read() as tf.Variable);
  const losses: Array<[number, number]> = [];
  try {
    for (let step = 1; step <= steps; step++) {
      let parts: tf.Tensor[] = [];
      optimizer.minimize(
        () => {
          const logits = net.apply(stacks, { training: true }) as tf.Tensor;
          const data = tf.div(tf.sum(tf.mul(weights, binaryCrossEntropyWithLogits(targets, logits))), painted);
          let penalty = ewc === undefined ? tf.scalar(0) : ewcPenalty(ewc.anchor, ewc.lambda);
          if (distill !== undefined && keep !== undefined && teacher !== undefined) {
            const student = tf.reshape(tf.gather(tf.reshape(logits, [-1]), keep), [1, -1, 1]);
            penalty = tf.add(penalty, tf.mul(distill(tf.sigmoid(teacher), student), lwf!.weight));
          }
          parts = [tf.keep(tf.clone(data)), tf.keep(tf.clone(penalty))];
          return tf.add(data, penalty) as tf.Scalar;
        },
        false,
        variables,
      );
      const [data, penalty] = await Promise.all(parts.map(async (t) => (await t.data())[0]!));
      tf.dispose(parts);
      if (!Number.isFinite(data!) || !Number.isFinite(penalty!)) throw new Error(`fine-tuning step ${step}: the loss is ${data} + ${penalty}; try a smaller learning rate`);
      losses.push([data!, penalty!]);
      onStep?.(step, data!, penalty!);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([...(keep === undefined ? [] : [keep]), ...(teacher === undefined ? [] : [teacher])]);
  }
  return losses;
}

/** How a prediction of a slab `[D, H, W]` (0/1, x fastest) relates to the painted corrections. */
export interface CorrectionScores {
  /** Painted voxels (erase, add). */
  erased: number;
  added: number;
  /** Fraction of the erased voxels predicted as brain, and of the added ones (NaN when none). */
  erasedPredicted: number;
  addedPredicted: number;
  /** Dice against `truth` over the slices with nothing painted (undefined without a truth or such slices). */
  unpaintedDice?: number;
}

/** Scores `pred` (and `truth`, both `[D, H, W]` 0/1) against `corrections`. */
export function correctionScores(corrections: Corrections, pred: ArrayLike<number>, truth: ArrayLike<number> | undefined, depth: number): CorrectionScores {
  const size = corrections.h * corrections.w;
  let erased = 0;
  let added = 0;
  let erasedOn = 0;
  let addedOn = 0;
  let both = 0;
  let sum = 0;
  let unpainted = 0;
  for (let z = 0; z < depth; z++) {
    const labels = corrections.labels(z);
    const painted = labels !== undefined && labels.some((v) => v !== UNPAINTED);
    for (let i = 0; i < size; i++) {
      const p = pred[z * size + i]!;
      if (painted) {
        if (labels[i] === 0) {
          erased++;
          erasedOn += p;
        } else if (labels[i] === 1) {
          added++;
          addedOn += p;
        }
      } else if (truth !== undefined) {
        both += p * truth[z * size + i]!;
        sum += p + truth[z * size + i]!;
      }
    }
    if (!painted) unpainted++;
  }
  return {
    erased,
    added,
    erasedPredicted: erasedOn / erased,
    addedPredicted: addedOn / added,
    unpaintedDice: truth === undefined || unpainted === 0 ? undefined : sum === 0 ? 1 : (2 * both) / sum,
  };
}
