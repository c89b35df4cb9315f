// Short-training comparison (issue 16): `unet` and the transformer factories (transUNet,
// swinUNet, unetr 2D, swinUNETR 2D) trained on the ITK brain T1 for the same wall-time budget
// each, then scored on the held-out axial slices like the brain demo.
//
//   node --import tsx bench/transformerBrain.ts --backend tensorflow     # 1.5 min each (default backend wasm)
//   node --import tsx bench/transformerBrain.ts --minutes 0.2 --models unet,swinUNet --out out/tb.json
//
// Data and protocol are the demo's (examples/brain-demo): 2.5D stacks of k = 3 adjacent axial
// slices, training slices 0..33, validation 34..39, held-out 40..61; 64x64 crops (half centred on
// brain, half on background), flips, mild affine, noise and brightness; Dice + CE loss on logits;
// Adam. Every model gets a fixed `[64, 64, 3]` input (the transformers need known sizes) and the
// held-out slices are predicted with 64x64 gaussian-blended sliding windows (overlap 0.5), then
// thresholded at 0.5 and reduced to the largest 26-connected component, as the demo does.
// The clock runs from the first train step (model building and the first step's kernel set-up
// included) until the budget is spent; the step in flight then finishes. Prints one JSON document.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { affine, augmentedBatches, brightness, compose, flip, foregroundCrop, gaussianNoise } from '../src/augment/index.js';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { sliceStacks } from '../src/data/index.js';
import { keepLargestComponent, predictVolume25D, threshold } from '../src/inference/index.js';
import { diceCELoss } from '../src/losses/index.js';
import { confusionStats, dice } from '../src/metrics/index.js';
import { swinUNet, swinUNETR, transUNet, unet, unetr } from '../src/models/index.js';
import { loadTensorflowBackend } from '../test/helpers/tensorflowBackend.js';
import { loadBrain, range } from '../examples/brain-demo/data.js';
import { scoreMasks } from '../examples/brain-demo/run.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const minutes = Number(flag('--minutes') ?? 1.5);
const backendName = (flag('--backend') ?? 'wasm') as BackendName;
const out = flag('--out');
const batchSize = Number(flag('--batch') ?? 8);
// --no-eval: steps only (for sizing the configurations).
const evaluate = !argv.includes('--no-eval');
const CROP = 64;
const K = 3;
const SEED = 0;
const TRAIN = range(0, 33);
const VAL = range(34, 39);
const TEST = range(40, 61);

interface Candidate {
  /** What the config is, for the report. */
  config: string;
  learningRate: number;
  build: () => tfl.LayersModel;
}

const inputShape = [CROP, CROP, K];
// Small configurations: a few hundred thousand to ~2M parameters, so each takes hundreds of
// steps on one loaded wasm thread within the budget. Logits out (finalActivation 'none').
const CANDIDATES: Record<string, Candidate> = {
  unet: {
    config: "filters [16, 32, 64, 128], instance norm (the brain demo's network)",
    learningRate: 3e-3,
    build: () => unet({ inputShape, numClasses: 1, filters: [16, 32, 64, 128], norm: 'instance', finalActivation: 'none', seed: SEED }),
  },
  transUNet: {
    config: 'ResNet stem 16, stages [1, 1, 1] (plain convs, group norm), ViT hidden 128 / MLP 256 / 4 heads / 4 layers on the 4x4 map, head 64, decoder [64, 32, 16, 16]',
    learningRate: 1e-3,
    build: () =>
      transUNet({
        inputShape,
        numClasses: 1,
        resnetDepths: [1, 1, 1],
        resnetWidth: 16,
        weightStandardization: false,
        hiddenSize: 128,
        mlpDim: 256,
        numHeads: 4,
        numLayers: 4,
        dropout: 0,
        headChannels: 64,
        decoderFilters: [64, 32, 16, 16],
        finalActivation: 'none',
        seed: SEED,
      }),
  },
  swinUNet: {
    config: 'patch 4, embed 32, depths [2, 2, 2], heads [2, 4, 8], window 4 (16x16 -> 8x8 -> 4x4 tokens)',
    learningRate: 1e-3,
    build: () =>
      swinUNet({ inputShape, numClasses: 1, patchSize: 4, embedDim: 32, depths: [2, 2, 2], numHeads: [2, 4, 8], windowSize: 4, finalActivation: 'none', seed: SEED }),
  },
  unetr: {
    config: 'spatialDims 2, patch 16, feature size 16, ViT hidden 128 / MLP 256 / 4 heads / 12 layers (MONAI fixed depth), residual blocks, instance norm',
    learningRate: 1e-3,
    build: () => unetr({ inputShape, numClasses: 1, spatialDims: 2, featureSize: 16, hiddenSize: 128, mlpDim: 256, numHeads: 4, finalActivation: 'none', seed: SEED }),
  },
  swinUNETR: {
    config: 'spatialDims 2, feature size 12, depths [2, 2, 2, 2], heads [3, 6, 12, 24], window 7 (MONAI defaults but the width), instance norm',
    learningRate: 1e-3,
    build: () => swinUNETR({ inputShape, numClasses: 1, spatialDims: 2, featureSize: 12, finalActivation: 'none', seed: SEED }),
  },
};

const chosen = (flag('--models') ?? Object.keys(CANDIDATES).join(',')).split(',');
for (const name of chosen) if (!(name in CANDIDATES)) throw new Error(`bench: unknown model ${name}; choose from ${Object.keys(CANDIDATES).join(', ')}`);
if (!(minutes > 0)) throw new Error(`bench: --minutes must be positive, got ${flag('--minutes')}`);

// tfjs-node from `npm install @tensorflow/tfjs-node` or scripts/provision-tfjs-node.mjs.
if (backendName === 'tensorflow') loadTensorflowBackend();
const backend = await useBackend(backendName);
tf.enableProdMode();
const volume = await loadBrain();
const spacing = [...volume.spacing];
const { trainX, trainY } = tf.tidy(() => {
  const stacks = sliceStacks(volume.image, { axis: 0, k: K });
  const masks = tf.reshape(volume.mask, [volume.mask.shape[1], volume.mask.shape[2], volume.mask.shape[3], 1]);
  const pick = (t: tf.Tensor, rows: number[]) => tf.gather(t, tf.tensor1d(rows, 'int32'));
  return { trainX: pick(stacks, TRAIN), trainY: pick(masks, TRAIN) };
});

/** Held-out (or validation) scores of a model on `slices`, with the demo's post-processing. */
async function score(model: tfl.LayersModel, slices: number[], withHd95: boolean): Promise<{ dice: number; hd95mm: number; rawDice: number }> {
  const predict = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const probs = await predictVolume25D(predict, volume.image, { k: K, axis: 0, slices, slidingWindow: { roiSize: [CROP, CROP], overlap: 0.5, batchSize: 16 } });
  const rawMask = threshold(probs);
  const mask = keepLargestComponent(rawMask, { connectivity: 26 });
  const truth = tf.tidy(() => tf.gather(volume.mask, tf.tensor1d(slices, 'int32'), 1));
  // HD95 (the costly part) only where it is reported: the held-out mask after post-processing.
  const final = withHd95 ? scoreMasks(mask, truth, spacing) : { dice: diceOf(mask, truth), hd95mm: NaN };
  const rawDice = diceOf(rawMask, truth);
  tf.dispose([probs, rawMask, mask, truth]);
  return { dice: final.dice, hd95mm: final.hd95mm, rawDice };
}

function diceOf(pred: tf.Tensor, truth: tf.Tensor): number {
  const stats = confusionStats(pred, truth);
  const d = dice(stats);
  const value = d.dataSync()[0]!;
  tf.dispose([stats.tp, stats.fp, stats.fn, stats.tn, d]);
  return value;
}

const round = (x: number, digits: number): number => +x.toFixed(digits);
const results: Record<string, unknown>[] = [];
const load = { before: loadavg().map((x) => round(x, 2)), after: [] as number[] };
for (const name of chosen) {
  const candidate = CANDIDATES[name]!;
  const model = candidate.build();
  model.compile({ optimizer: tf.train.adam(candidate.learningRate), loss: diceCELoss({ activation: 'sigmoid' }) });
  const augment = compose(
    [
      [foregroundCrop([CROP, CROP], { pos: 1, neg: 1 }), 1],
      [affine({ rotation: 15, scale: [0.9, 1.1] }), 0.3],
      [flip({ axes: [1] }), 1],
      [gaussianNoise({ std: [0, 0.1] }), 0.15],
      [brightness({ range: [0.85, 1.15] }), 0.15],
    ],
    { seed: SEED },
  );
  const batches = augmentedBatches({ image: trainX, mask: trainY }, { batchSize, transform: augment, epochs: Infinity, dropRemainder: true, seed: SEED })();
  const budgetMs = minutes * 60_000;
  const started = performance.now();
  const losses: number[] = [];
  let firstStepMs = 0;
  while (performance.now() - started < budgetMs) {
    const batch = batches.next().value!;
    const loss = (await model.trainOnBatch(batch.xs, batch.ys!)) as number;
    tf.dispose([batch.xs, batch.ys!]);
    if (!Number.isFinite(loss)) throw new Error(`bench: ${name} loss became ${loss} at step ${losses.length + 1}`);
    losses.push(loss);
    if (losses.length === 1) firstStepMs = performance.now() - started;
  }
  const trainedMs = performance.now() - started;
  const evalStart = performance.now();
  const heldOut = evaluate ? await score(model, TEST, true) : { dice: NaN, hd95mm: NaN, rawDice: NaN };
  const validation = evaluate ? await score(model, VAL, false) : { dice: NaN, hd95mm: NaN, rawDice: NaN };
  const evalMs = performance.now() - evalStart;
  const tail = losses.slice(-20);
  results.push({
    model: name,
    config: candidate.config,
    parameters: model.countParams(),
    learningRate: candidate.learningRate,
    steps: losses.length,
    trainSeconds: round(trainedMs / 1000, 1),
    firstStepMs: Math.round(firstStepMs),
    msPerStepAfterFirst: losses.length > 1 ? Math.round((trainedMs - firstStepMs) / (losses.length - 1)) : null,
    lossFirst: round(losses[0]!, 4),
    lossLast20: round(tail.reduce((a, b) => a + b, 0) / tail.length, 4),
    heldOutDice: round(heldOut.dice, 4),
    heldOutHd95mm: round(heldOut.hd95mm, 2),
    heldOutDiceBeforeLargestComponent: round(heldOut.rawDice, 4),
    validationDice: round(validation.dice, 4),
    evalSeconds: round(evalMs / 1000, 1),
  });
  console.error(`[transformerBrain] ${name}: ${losses.length} steps, held-out Dice ${heldOut.dice.toFixed(4)}, HD95 ${heldOut.hd95mm.toFixed(2)} mm`);
  model.dispose();
}
load.after = loadavg().map((x) => round(x, 2));
tf.dispose([trainX, trainY, volume.image, volume.mask]);

const report = {
  bench: 'transformerBrain',
  backend,
  minutesPerModel: minutes,
  batchSize,
  crop: CROP,
  k: K,
  slices: { train: [TRAIN[0], TRAIN.at(-1)], validation: [VAL[0], VAL.at(-1)], heldOut: [TEST[0], TEST.at(-1)] },
  loadAverage: load,
  results,
};
const text = `${JSON.stringify(report, null, 2)}\n`;
if (out !== undefined) await writeFile(out, text);
process.stdout.write(text);
