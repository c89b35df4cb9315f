// What the cross-backend factory suite does with each model, the same code in Node (cpu, the
// reference) and in Chromium (wasm, webgl, webgpu): set the shipped weights, one inference
// forward pass, then plain SGD steps on the mean squared error of the softmax against a one-hot
// target, in training mode (batch statistics), reading the loss of each step and the weights
// at the end. SGD, not Adam: its update is linear in the gradient, so a weight delta compares
// the gradients themselves (Adam's normalization blows up float noise on near-zero gradients).
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';

/** Plain arrays with their shape, as they cross between Node and the page. */
export interface Packed {
  values: number[];
  shape: number[];
}

/** What one case ships to the page. */
export interface CaseData {
  name: string;
  weights: number[][];
  x: Packed;
  target: Packed;
  /** SGD learning rate (default {@link LEARNING_RATE}). */
  learningRate?: number;
}

/** What one case gives back. */
export interface CaseResult {
  name: string;
  /** Inference output (the model's probabilities), flattened. */
  output: number[];
  /** The training-mode loss before each SGD step, then after the last. */
  losses: number[];
  /** Every weight after the steps, in `getWeights()` order. */
  weights: number[][];
  /** Milliseconds the case took (build to read-back). */
  ms: number;
  /** `tf.memory().numTensors` after minus before (the model's weights disposed). */
  leaked: number;
}

/** SGD steps per case, and the learning rate. */
export const TRAIN_STEPS = 2;
export const LEARNING_RATE = 0.5;

/** Sets `model`'s weights from plain arrays. */
export function setWeightsFrom(tf: typeof tfCore, model: tfLayers.LayersModel, values: number[][]): void {
  if (values.length !== model.weights.length) throw new Error(`${model.name}: ${values.length} weight arrays for ${model.weights.length} weights`);
  const tensors = model.weights.map((w, i) => tf.tensor(values[i]!, w.shape as number[]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * Runs one case on the current backend; `build` makes the model (and names other models it made,
 * all disposed at the end).
 */
export async function runCase(
  tf: typeof tfCore,
  build: () => { model: tfLayers.LayersModel; owned: tfLayers.LayersModel[] },
  data: CaseData,
): Promise<CaseResult> {
  const started = performance.now();
  const before = tf.memory().numTensors;
  const { model, owned } = build();
  const dispose = (): void => {
    model.dispose();
    for (const other of owned) other.dispose();
  };
  try {
    setWeightsFrom(tf, model, data.weights);
    const x = tf.tensor(data.x.values, data.x.shape);
    const target = tf.tensor(data.target.values, data.target.shape);
    const y = model.predict(x) as tfCore.Tensor;
    const output = Array.from(await y.data());
    y.dispose();
    const variables = model.trainableWeights.map((w) => w.read() as tfCore.Variable);
    const optimizer = tf.train.sgd(data.learningRate ?? LEARNING_RATE);
    const loss = (): tfCore.Scalar => tf.mean(tf.square(tf.sub(model.apply(x, { training: true }) as tfCore.Tensor, target)));
    const losses: number[] = [];
    for (let step = 0; step < TRAIN_STEPS; step++) {
      const cost = optimizer.minimize(loss, true, variables)!;
      losses.push((await cost.data())[0]!);
      cost.dispose();
    }
    const last = tf.tidy(loss);
    losses.push((await last.data())[0]!);
    last.dispose();
    optimizer.dispose();
    const weights: number[][] = [];
    for (const w of model.getWeights()) weights.push(Array.from(await w.data()));
    tf.dispose([x, target]);
    dispose();
    return { name: data.name, output, losses, weights, ms: performance.now() - started, leaked: tf.memory().numTensors - before };
  } catch (error) {
    dispose();
    throw new Error(`${data.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The page's rank-5 pad checks (factories.test.ts checkFaults): `tf.pad` paddings of a [1, 2, 3, 2, 1] volume. */
export const PAD_CONSTANT: Array<[number, number]> = [[0, 0], [1, 0], [0, 2], [1, 1], [0, 0]];
/** ...and its `tf.mirrorPad` (reflect) paddings. */
export const PAD_MIRROR: Array<[number, number]> = [[0, 0], [1, 1], [2, 0], [1, 0], [0, 0]];
