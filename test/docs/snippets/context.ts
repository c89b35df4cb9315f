// The reader's data that examples refer to without building it (`model.fit(x, y)`), declared
// with the types the examples need; any other name an example uses must be defined or imported
// by the example itself. Written as a .d.ts beside the generated modules (not in the project's
// own program, where these globals would hide undeclared names in tests).

/** The ambient declarations, relative to the generated modules' folder (out/snippets). */
export const SNIPPET_CONTEXT = `
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ConfusionStats } from '../../src/metrics/confusion.js';
import type { Rng } from '../../src/core/rng.js';
import type { LearningRateScheduler } from '../../src/train/schedules.js';
import type { EwcAnchor } from '../../src/train/ewc.js';
import type { WorkerPool } from '../../src/train/dataParallel/workerPool.js';
import type { SharedWeights } from '../../src/train/dataParallel/sharedWeights.js';
import type { WorkerHandle } from '../../src/train/dataParallel/workerHandle.js';
import type { WorkerInit, WorkerRequest, WireTensor } from '../../src/train/dataParallel/protocol.js';

/** A tensor that examples pass both to eager functions and to layer blocks ([N, ...spatial, C]). */
type Data = tf.Tensor & tfl.SymbolicTensor;

declare global {
  // Images, masks, label maps and predictions, [N, ...spatial, C] or [N, ...spatial].
  const x: Data;
  const y: Data;
  const xs: tf.Tensor;
  const xTrain: tf.Tensor;
  const yTrain: tf.Tensor;
  // Two tasks learnt one after the other (continual learning).
  const xA: tf.Tensor;
  const yA: tf.Tensor;
  const xB: tf.Tensor;
  const yB: tf.Tensor;
  const ys: tf.Tensor;
  const image: tf.Tensor;
  const images: tf.Tensor;
  const mask: tf.Tensor;
  const brainMask: tf.Tensor;
  const tumourMask: tf.Tensor;
  const labels: tf.Tensor;
  const labelMap: tf.Tensor;
  const predLabels: tf.Tensor;
  const volume: tf.Tensor;
  const ct: tf.Tensor;
  const pred: tf.Tensor;
  const prediction: tf.Tensor;
  const probs: tf.Tensor;
  const sigmoidProbs: tf.Tensor;
  const softmaxProbs: tf.Tensor;
  const logits: tf.Tensor;
  const target: tf.Tensor;
  const yTrue: tf.Tensor;
  const yTrueOneHot: tf.Tensor;
  const yPred: tf.Tensor;
  const yProb: tf.Tensor;
  const cam: tf.Tensor;
  const coords: tf.Tensor;
  const numClasses: number;
  const stats: ConfusionStats;
  // Symbolic feature maps inside a model being built.
  const skip: tfl.SymbolicTensor;
  const below: tfl.SymbolicTensor;
  const features: tfl.SymbolicTensor;
  const tokens: tfl.SymbolicTensor;
  const input: tfl.SymbolicTensor;
  const concatenated: tfl.SymbolicTensor;
  const concat: tfl.SymbolicTensor;
  const weights: tfl.SymbolicTensor;
  // Models and training.
  const model: tfl.LayersModel;
  const teacher: tfl.LayersModel;
  const student: tfl.LayersModel;
  const pretrained: tfl.LayersModel;
  const trainedUnet: tfl.LayersModel;
  const qat: tfl.LayersModel;
  const anchor: EwcAnchor;
  const loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
  const optimizer: tf.Optimizer;
  const schedule: LearningRateScheduler;
  const rng: Rng;
  const dataRng: Rng;
  const data: Parameters<tfl.LayersModel['fitDataset']>[0];
  const batches: Iterable<[tf.Tensor, tf.Tensor]>;
  // Files and pages.
  const bytes: Uint8Array;
  const artifacts: tf.io.ModelArtifacts & { weightData: ArrayBuffer; weightSpecs: tf.io.WeightsManifestEntry[] };
  const rgb: Uint8Array;
  const canvas: HTMLCanvasElement;
  // The data-parallel trainer's internals, for the examples of its private helpers.
  const pool: WorkerPool;
  const shared: SharedWeights;
  const handle: WorkerHandle;
  const init: WorkerInit;
  const port: import('node:worker_threads').MessagePort;
  const req: WorkerRequest & { id: number };
  const xw: WireTensor;
  const grads: Float32Array;
  const trainableSize: number;
}
export {};
`;
