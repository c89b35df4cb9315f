import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { keepLargestComponent } from '../inference/postprocess.js';
import { predictVolume25D } from '../inference/predictVolume25D.js';
import { slidingWindowInference } from '../inference/slidingWindow.js';
import { testTimeAugmentation } from '../inference/tta.js';
import type { ProgressFn } from '../inference/windowEngine.js';
import { UnetKitError } from '../core/errors.js';
import type { TrainingPlan } from './plan.js';
import { normalizeScan } from './volumes.js';
import type { Scan } from './scans.js';

/** Options of {@link predictScan}. */
export interface PredictScanOptions {
  /** Average over mirrorings of every spatial axis (nnU-Net's test-time mirroring). Default false. */
  tta?: boolean;
  /**
   * Keep only the largest connected component of each foreground class (26-connected in a
   * volume, 8 in a single slice), the rest becoming background: nnU-Net's post-processing for
   * a structure that is one piece. Default false.
   */
  largestComponent?: boolean;
  /**
   * Foreground probability threshold in (0, 1): a voxel is foreground when 1 - P(background)
   * reaches it, and then takes the most probable foreground class (see `chooseThreshold`,
   * which picks it on validation cases). Default: none, the plain argmax.
   */
  threshold?: number;
  /** Window overlap. Default 0.5 (nnU-Net). */
  overlap?: number;
  onProgress?: ProgressFn;
}

/**
 * The softmax probabilities of a trained network on one scan, as {@link predictScan} computes
 * them before its decision: normalization as in training, gaussian-blended sliding windows,
 * optional mirroring TTA (only `tta`, `overlap` and `onProgress` of the options are read).
 *
 * @returns a tensor `[D, H, W, C]` (C the plan's classes, class 0 the background); the caller disposes it.
 * @example
 * ```ts
 * // plan.json of a run folder, as `unet-kit train` wrote it
 * const plan = JSON.parse(await (await fetch('https://example.org/run/plan.json')).text()) as TrainingPlan;
 * const probs = await predictProbabilities(model, plan, await readScan('scan.nii.gz'), { tta: true });
 * const background = tf.slice(probs, [0, 0, 0, 0], [-1, -1, -1, 1]); // [D, H, W, 1]
 * probs.dispose();
 * ```
 */
export async function predictProbabilities(model: tfl.LayersModel, plan: TrainingPlan, scan: Scan, options: PredictScanOptions = {}): Promise<tf.Tensor> {
  const [D, H, W] = scan.shape;
  const softmax = (batch: tf.Tensor): tf.Tensor => tf.tidy(() => tf.softmax(model.predict(batch) as tf.Tensor));
  const spatialDims = plan.dims === '3' ? 3 : 2;
  const predictor = options.tta === true ? testTimeAugmentation(softmax, { flips: spatialDims === 3 ? [0, 1, 2] : [0, 1] }) : softmax;
  const window = { roiSize: plan.patchSize, overlap: options.overlap ?? 0.5, batchSize: Math.max(1, plan.batchSize), onProgress: options.onProgress };
  const image = normalizeScan(scan, plan);
  let probs: tf.Tensor;
  if (plan.dims === '2') {
    const x = tf.tensor4d(image, [D, H, W, 1]);
    try {
      probs = await slidingWindowInference(predictor, x, window);
    } finally {
      x.dispose();
    }
  } else {
    const x = tf.tensor5d(image, [1, D, H, W, 1]);
    try {
      probs = plan.dims === '2.5'
        ? await predictVolume25D(predictor, x, { k: plan.channels, axis: 0, slidingWindow: window, batchSize: 1 })
        : await slidingWindowInference(predictor, x, window);
    } finally {
      x.dispose();
    }
  }
  const C = probs.shape[probs.shape.length - 1]!;
  const shaped = tf.reshape(probs, [D, H, W, C]);
  probs.dispose();
  return shaped;
}

/** Class indices from probabilities `[..., C]`: argmax, or background unless 1 - P(background) >= threshold. */
function decide(probs: tf.Tensor, threshold: number | undefined): tf.Tensor {
  return tf.tidy(() => {
    if (threshold === undefined) return tf.argMax(probs, -1);
    const C = probs.shape[probs.shape.length - 1]!;
    const background = tf.squeeze(tf.slice(probs, Array(probs.rank).fill(0), [...probs.shape.slice(0, -1), 1]), [-1]);
    const foreground = tf.sub(1, background);
    // The most probable foreground class (C = 1 cannot occur: a plan has at least 2 classes).
    const rest = tf.slice(probs, [...Array(probs.rank - 1).fill(0), 1], [...probs.shape.slice(0, -1), C - 1]);
    const fgClass = tf.add(tf.argMax(rest, -1), 1);
    return tf.where(tf.greaterEqual(foreground, threshold), fgClass, tf.zerosLike(fgClass));
  });
}

/**
 * The index of the first plan whose label values (network class i = `labelValues[i]`) differ
 * from plan 0's, or `undefined` when all agree: an ensemble can only average the same classes.
 *
 * @example
 * ```ts
 * const plans = await Promise.all(['run-25d', 'run-3d'].map(async (run) => JSON.parse(await (await fetch(`https://example.org/${run}/plan.json`)).text()) as TrainingPlan));
 * if (otherLabelValues(plans) !== undefined) throw new Error('the runs were trained on other label values');
 * ```
 */
export function otherLabelValues(plans: readonly TrainingPlan[]): number | undefined {
  const first = plans[0]?.labelValues.join();
  const index = plans.findIndex((p) => p.labelValues.join() !== first);
  return index < 0 ? undefined : index;
}

/** One network of an ensemble: a trained model and the plan it was trained with. */
export interface EnsembleMember {
  model: tfl.LayersModel;
  plan: TrainingPlan;
}

/**
 * Segments one scan with a trained network and its plan: normalization as in training,
 * gaussian-blended sliding windows of the training patch size (2D: every axial slice; 2.5D:
 * `predictVolume25D` over 3-slice stacks; 3D: the volume), optional mirroring TTA on the
 * softmax probabilities ({@link predictProbabilities}), argmax (or a foreground threshold), optionally the largest component of each class, and class
 * indices mapped back to the label values.
 *
 * @returns label values, C order `[D, H, W]` like `scan.data`.
 */
export async function predictScan(model: tfl.LayersModel, plan: TrainingPlan, scan: Scan, options: PredictScanOptions = {}): Promise<Int32Array> {
  return segment('predictScan', [{ model, plan }], scan, options);
}

/**
 * {@link predictScan} with several networks: each member's softmax probabilities (its own
 * normalization, windows and dimensionality: a 2.5D and a 3D run may be mixed) are averaged
 * voxel by voxel, then decided once. This is nnU-Net's ensembling of configurations
 * (`nnUNetv2_ensemble`: the mean of the members' softmax outputs), e.g. its 2D + 3D ensemble.
 * The members must share their label values (`plan.labelValues`), the classes being averaged.
 *
 * @param members - at least one `{ model, plan }`.
 * @returns label values, C order `[D, H, W]` like `scan.data`.
 * @example
 * ```ts
 * // two run folders of unet-kit train on the same labels, a 2.5D and a 3D one
 * const members = await Promise.all(['run-25d', 'run-3d'].map(async (run) => ({
 *   model: await tfl.loadLayersModel(`https://example.org/${run}/model/model.json`),
 *   plan: JSON.parse(await (await fetch(`https://example.org/${run}/plan.json`)).text()) as TrainingPlan,
 * })));
 * const mask = await predictEnsemble(members, await readScan('scan.nii.gz'), { tta: true, largestComponent: true });
 * ```
 */
export async function predictEnsemble(members: readonly EnsembleMember[], scan: Scan, options: PredictScanOptions = {}): Promise<Int32Array> {
  return segment('predictEnsemble', members, scan, options);
}

async function segment(fn: string, members: readonly EnsembleMember[], scan: Scan, options: PredictScanOptions): Promise<Int32Array> {
  const threshold = options.threshold;
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold < 1)) {
    throw new UnetKitError(fn, 'options.threshold', `is ${String(threshold)}; expected a number in (0, 1) (or leave it out for the argmax).`);
  }
  if (!Array.isArray(members) || members.length === 0) {
    throw new UnetKitError(fn, 'members', `is ${Array.isArray(members) ? 'an empty array' : String(members)}; expected at least one { model, plan }.`);
  }
  const plan = members[0]!.plan;
  const odd = otherLabelValues(members.map((m) => m.plan));
  if (odd !== undefined) {
    throw new UnetKitError(fn, `members[${odd}].plan.labelValues`, `are [${members[odd]!.plan.labelValues.join(', ')}], member 0's are [${plan.labelValues.join(', ')}]; an ensemble averages the same classes: train its runs on the same labels.`);
  }
  const [D, H, W] = scan.shape;
  let probs = await predictProbabilities(members[0]!.model, plan, scan, options);
  for (const member of members.slice(1)) {
    const next = await predictProbabilities(member.model, member.plan, scan, options);
    const sum = tf.add(probs, next);
    tf.dispose([probs, next]);
    probs = sum;
  }
  if (members.length > 1) {
    const mean = tf.div(probs, members.length);
    probs.dispose();
    probs = mean;
  }
  let classes = decide(probs, threshold);
  probs.dispose();
  if (options.largestComponent === true) {
    const volume = D === 1 ? tf.reshape(classes, [1, H, W, 1]) : tf.reshape(classes, [1, D, H, W, 1]);
    try {
      const kept = keepLargestComponent(volume, { connectivity: D === 1 ? 8 : 26 });
      classes.dispose();
      classes = kept;
    } finally {
      volume.dispose();
    }
  }
  const indices = (await classes.data()) as Int32Array;
  classes.dispose();
  const out = new Int32Array(indices.length);
  for (let i = 0; i < out.length; i++) out[i] = plan.labelValues[indices[i]!]!;
  return out;
}
