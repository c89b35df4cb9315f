import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { affine, augmentedBatches, brightness, compose, flip, foregroundCrop, gaussianNoise } from 'unet-kit/augment';
import { useBackend, type BackendName } from 'unet-kit/backend';
import { sliceStacks } from 'unet-kit/data';
import { saveModel } from 'unet-kit/io';
import { keepLargestComponent, predictVolume25D, threshold } from 'unet-kit/inference';
import { diceCELoss } from 'unet-kit/losses';
import { confusionStats, dice, diceCoefficient, hausdorffDistance, meanIgnoringNaN } from 'unet-kit/metrics';
import { unet } from 'unet-kit/models';
import { earlyStopping, metricsLog, polyLR, progressBar } from 'unet-kit/train';
import { loadBrain, range, DEFAULT_DATA_DIR } from './data.js';
import { writeOverlay } from './overlay.js';

/** Settings of one demo run. */
export interface DemoSettings {
  epochs: number;
  batchesPerEpoch: number;
  batchSize: number;
  crop: number;
  filters: number[];
  k: number;
  learningRate: number;
  patience: number;
  trainSlices: number[];
  valSlices: number[];
  testSlices: number[];
  overlaySlices: number[];
  seed: number;
}

/** The full run (`npm run demo`) and the quick one (`--quick`, for CI). */
export function demoSettings(quick: boolean, epochs?: number): DemoSettings {
  const base: DemoSettings = quick
    ? {
        epochs: 2,
        batchesPerEpoch: 3,
        batchSize: 4,
        crop: 32,
        filters: [4, 8],
        k: 3,
        learningRate: 3e-3,
        patience: 2,
        trainSlices: range(0, 33),
        valSlices: range(34, 39),
        testSlices: range(40, 61),
        overlaySlices: [44, 52],
        seed: 0,
      }
    : {
        epochs: 30,
        batchesPerEpoch: 16,
        batchSize: 8,
        crop: 64,
        filters: [16, 32, 64, 128],
        k: 3,
        learningRate: 3e-3,
        patience: 10,
        trainSlices: range(0, 33),
        valSlices: range(34, 39),
        testSlices: range(40, 61),
        overlaySlices: [42, 46, 50, 54, 58],
        seed: 0,
      };
  return epochs === undefined ? base : { ...base, epochs };
}

/** What a run prints and writes to `metrics.json`. */
export interface DemoResult {
  backend: string;
  settings: DemoSettings;
  parameters: number;
  epochsRun: number;
  bestEpoch: number;
  seconds: { training: number; inference: number; total: number };
  heldOut: {
    slices: [number, number];
    dice: number;
    hd95mm: number;
    hd95voxels: number;
    raw: { dice: number; hd95mm: number; hd95voxels: number };
  };
  history: Array<Record<string, number>>;
  files: { model: string; metrics: string; log: string; overlays: string[] };
}

/** tfjs' `fitDataset` reads any object with `iterator()`; tfjs-data is not needed for that. */
function generatorDataset<T>(make: () => Generator<T>): { size: null; iterator: () => Promise<{ next: () => Promise<IteratorResult<T>> }> } {
  return {
    size: null,
    iterator: async () => {
      const generator = make();
      return { next: async () => generator.next() };
    },
  };
}

export function scoreMasks(pred: tf.Tensor, truth: tf.Tensor, spacing: number[]): { dice: number; hd95mm: number; hd95voxels: number } {
  const stats = confusionStats(pred, truth);
  const d = dice(stats);
  const value = d.dataSync()[0]!;
  tf.dispose([stats.tp, stats.fp, stats.fn, stats.tn, d]);
  return {
    dice: value,
    hd95mm: meanIgnoringNaN(hausdorffDistance(pred, truth, { percentile: 95, spacing })),
    hd95voxels: meanIgnoringNaN(hausdorffDistance(pred, truth, { percentile: 95 })),
  };
}

/**
 * Trains a 2.5D U-Net (k adjacent axial slices as channels) to segment the brain in the ITK T1
 * MRI, on axial slices 0..39 (34..39 for validation / early stopping), then predicts the
 * held-out slices 40..61 with sliding windows and reports Dice and HD95 on them.
 */
export async function runDemo(options: { quick?: boolean; epochs?: number; out?: string; dataDir?: string; backend?: BackendName; log?: (line: string) => void } = {}): Promise<DemoResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = demoSettings(options.quick ?? false, options.epochs);
  const out = options.out ?? 'out/demo';
  const backend = await useBackend(options.backend ?? 'auto');
  log(`unet-kit brain demo: backend ${backend}, ${settings.epochs} epochs max x ${settings.batchesPerEpoch} batches of ${settings.batchSize} crops ${settings.crop}x${settings.crop}`);

  const volume = await loadBrain(options.dataDir ?? DEFAULT_DATA_DIR);
  const { k, crop } = settings;
  // 2.5D inputs: every axial slice with its neighbours as channels -> [62, 128, 128, k].
  const { trainX, trainY, valX, valY } = tf.tidy(() => {
    const stacks = sliceStacks(volume.image, { axis: 0, k });
    const masks = tf.reshape(volume.mask, [volume.mask.shape[1], volume.mask.shape[2], volume.mask.shape[3], 1]);
    const pick = (t: tf.Tensor, rows: number[]) => tf.gather(t, tf.tensor1d(rows, 'int32'));
    return {
      trainX: pick(stacks, settings.trainSlices),
      trainY: pick(masks, settings.trainSlices),
      valX: pick(stacks, settings.valSlices),
      valY: pick(masks, settings.valSlices),
    };
  });

  // Instance norm (nnU-Net's choice): no running statistics, so validation and inference on
  // whole slices behave exactly as training on crops did.
  const model = unet({
    inputShape: [null, null, k],
    numClasses: 1,
    filters: settings.filters,
    norm: 'instance',
    finalActivation: 'none',
    seed: settings.seed,
    name: 'brain_unet25d',
  });
  const parameters = model.countParams();
  const softDice = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => diceCoefficient()(yTrue, tf.sigmoid(yPred));
  Object.defineProperty(softDice, 'name', { value: 'dice' });
  model.compile({ optimizer: tf.train.adam(settings.learningRate), loss: diceCELoss({ activation: 'sigmoid' }), metrics: [softDice as never] });
  log(`model: 2.5D U-Net, filters [${settings.filters.join(', ')}], ${parameters} parameters; training slices ${settings.trainSlices[0]}..${settings.trainSlices.at(-1)} (validation ${settings.valSlices[0]}..${settings.valSlices.at(-1)})`);

  // Augmentation: crops centred on brain or background half the time, mild rotation/zoom,
  // left-right mirroring, noise and brightness (each per sample with its probability).
  const augment = compose(
    [
      [foregroundCrop([crop, crop], { pos: 1, neg: 1 }), 1],
      [affine({ rotation: 15, scale: [0.9, 1.1] }), 0.3],
      [flip({ axes: [1] }), 1],
      [gaussianNoise({ std: [0, 0.1] }), 0.15],
      [brightness({ range: [0.85, 1.15] }), 0.15],
    ],
    { seed: settings.seed },
  );
  const batches = augmentedBatches({ image: trainX, mask: trainY }, { batchSize: settings.batchSize, transform: augment, epochs: Infinity, seed: settings.seed });
  const stop = earlyStopping({ monitor: 'val_dice', patience: settings.patience });
  const logPath = join(out, 'training-log.csv');
  const history = metricsLog(logPath);
  const trainStart = Date.now();
  await model.fitDataset(generatorDataset(batches) as never, {
    epochs: settings.epochs,
    batchesPerEpoch: settings.batchesPerEpoch,
    validationData: [valX, valY],
    callbacks: [polyLR({ initialLR: settings.learningRate, totalSteps: settings.epochs }), progressBar(), stop, history],
    verbose: 0,
  });
  const trainingSeconds = (Date.now() - trainStart) / 1000;
  tf.dispose([trainX, trainY, valX, valY]);
  log(`trained ${history.rows.length} epochs in ${trainingSeconds.toFixed(1)} s; best val_dice ${stop.best.toFixed(4)} at epoch ${stop.bestEpoch + 1} (weights restored)`);

  // Held-out slices: 2.5D stacks predicted with gaussian-blended sliding windows of the crop size.
  const inferStart = Date.now();
  const predictProbs = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const probs = await predictVolume25D(predictProbs, volume.image, {
    k,
    axis: 0,
    slices: settings.testSlices,
    slidingWindow: { roiSize: [crop, crop], overlap: 0.5, batchSize: 16 },
  });
  const rawMask = threshold(probs);
  // One brain: keep the largest 3D component (26-connected) of the thresholded prediction.
  const mask = keepLargestComponent(rawMask, { connectivity: 26 });
  const truth = tf.tidy(() => tf.gather(volume.mask, tf.tensor1d(settings.testSlices, 'int32'), 1));
  const inferenceSeconds = (Date.now() - inferStart) / 1000;
  const spacing = [...volume.spacing];
  const raw = scoreMasks(rawMask, truth, spacing);
  const final = scoreMasks(mask, truth, spacing);
  const first = settings.testSlices[0]!;
  const last = settings.testSlices.at(-1)!;
  log(`held-out axial slices ${first}..${last} (never trained on), sliding-window inference in ${inferenceSeconds.toFixed(1)} s:`);
  log(`  Dice ${final.dice.toFixed(4)}   HD95 ${final.hd95mm.toFixed(2)} mm (${final.hd95voxels.toFixed(2)} voxels), spacing z,y,x = ${spacing.join(', ')} mm`);
  log(`  (before keeping the largest component: Dice ${raw.dice.toFixed(4)}, HD95 ${raw.hd95mm.toFixed(2)} mm)`);

  await mkdir(out, { recursive: true });
  const modelDir = join(out, 'model');
  await saveModel(model, modelDir);
  const overlays: string[] = [];
  for (const slice of settings.overlaySlices) {
    const index = settings.testSlices.indexOf(slice);
    if (index < 0) continue;
    const file = join(out, `overlay-slice-${slice}.png`);
    await writeOverlay(file, volume.image, truth, mask, slice, index);
    overlays.push(file);
  }
  const metricsPath = join(out, 'metrics.json');
  const result: DemoResult = {
    backend,
    settings,
    parameters,
    epochsRun: history.rows.length,
    bestEpoch: stop.bestEpoch + 1,
    seconds: { training: trainingSeconds, inference: inferenceSeconds, total: (Date.now() - started) / 1000 },
    heldOut: { slices: [first, last], ...final, raw },
    history: history.rows,
    files: { model: join(modelDir, 'model.json'), metrics: metricsPath, log: logPath, overlays },
  };
  await writeFile(metricsPath, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${modelDir}/ (tf.loadLayersModel; outputs logits: apply a sigmoid), ${metricsPath}, ${logPath} and ${overlays.length} overlay PNGs (image | truth | prediction) in ${out}/ (${result.seconds.total.toFixed(1)} s in all)`);
  tf.dispose([probs, rawMask, mask, truth, volume.image, volume.mask]);
  model.dispose();
  return result;
}
