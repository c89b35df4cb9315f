// Predict and inspect: the shipped brain model (docs/examples/data/brain-unet, trained by
// docs/examples/trainModel.ts) segments a NIfTI volume with 2.5D sliding-window inference; a
// slice slider shows the overlay, Dice and HD95 are given against a mask, and the predicted
// mask downloads as NIfTI. Query parameters: backend, slice, slices (a range of axial slices to
// predict, e.g. 40-61: the slab the model never saw; default all; also the page's slices field).
// Interactive correction: paint add / erase on the slice, then "Fine-tune" trains the model a
// few steps on the painted voxels with EWC and LwF (correction.ts) and predicts again; query
// parameters steps, lr, lambda (EWC), lwf (the distillation weight), fisher (slices the Fisher
// information is estimated on), guard.
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import 'unet-kit/layers';
import { niftiToTensor, readNifti, sliceStacks, writeNifti, zScoreNormalize, type NiftiVolume } from 'unet-kit/data';
import { predictVolume25D } from 'unet-kit/inference';
import { hausdorffDistance } from 'unet-kit/metrics';
import type { EwcAnchor } from 'unet-kit/train';
import { fillPicker, startBackend } from '../shared/backend.js';
import { fetchVolume } from '../shared/brain.js';
import { compareColours, drawSlice, maskColour, type Rgb } from '../shared/draw.js';
import { element, exampleState, numberParam, setStatus, showError, textParam } from '../shared/page.js';
import { overallDice } from '../shared/score.js';
import { attachBrush } from './brush.js';
import { correctionScores, Corrections, fineTune, predictionAnchor, type CorrectionScores, type PaintLabel } from './correction.js';

/** The network's window: the in-plane size it was trained on. */
const WINDOW = 64;
/** Painted voxels: add (brain) cyan, erase (background) orange. */
const ADD_RGB: Rgb = [0, 190, 255];
const ERASE_RGB: Rgb = [255, 110, 0];
// Fine-tuning: 8 Adam steps at 3e-3 on the painted voxels, LwF weight 200 on the unpainted ones,
// EWC lambda 3e8 (the Fisher of a per-voxel mean loss is ~1e-7 a weight, so lambda is large).
// Chosen on an erased disc of brain (docs/examples/predict.md has the figures).
const TUNE = {
  steps: numberParam('steps', 8, 1, 200),
  learningRate: numberParam('lr', 3e-3, 1e-6, 1),
  lambda: numberParam('lambda', 3e8, 0, 1e12),
  lwf: numberParam('lwf', 200, 0, 1e6),
  fisherSlices: numberParam('fisher', 4, 1, 64),
};

const state = exampleState();
state.runs = 0;
const picker = element<HTMLSelectElement>('backend');
const slider = element<HTMLInputElement>('slice');
// Another slab predicts in the same page: the model and tfjs' compiled kernels stay (on a
// software GPU, compiling them is most of the first prediction's time).
const slabInput = element<HTMLInputElement>('slices');
slabInput.value = textParam('slices', '');
const download = element<HTMLAnchorElement>('download');
fillPicker(picker, textParam('backend', 'auto'));

let input: { image: NiftiVolume; mask?: NiftiVolume; name: string } | undefined;
/** The model being corrected, the original it started from (the LwF teacher, the reset) and its EWC anchor. */
let model: { backend: string; net: LayersModel; original: LayersModel; anchor?: EwcAnchor } | undefined;
let corrections: Corrections | undefined;
/** What the slider draws: x-fastest arrays of the volume `[D, H, W]`. */
let shown: { image: Float32Array; pred: Uint8Array; truth?: Uint8Array; shape: [number, number, number]; first: number } | undefined;
let shownName = '';
let busy: Promise<void> = Promise.resolve();

function drawShown(): void {
  if (shown === undefined) return;
  const [d, h, w] = shown.shape;
  const z = Math.min(Number(slider.value), d - 1);
  element('sliceValue').textContent = String(shown.first + z);
  const at = (array: ArrayLike<number>): ArrayLike<number> => (array as Float32Array).subarray(z * h * w, (z + 1) * h * w);
  const base = shown.truth === undefined ? maskColour(at(shown.pred)) : compareColours(at(shown.truth), at(shown.pred));
  const painted = corrections?.labels(z);
  const colours = painted === undefined ? base : (i: number): Rgb | undefined => (painted[i] === 1 ? ADD_RGB : painted[i] === 0 ? ERASE_RGB : base(i));
  drawSlice(element<HTMLCanvasElement>('view'), at(shown.image), [h, w], colours);
  state.slice = shown.first + z;
  state.drawn = ((state.drawn as number | undefined) ?? 0) + 1;
}

async function loadModel(backend: string): Promise<LayersModel> {
  if (model?.backend !== backend) {
    model?.net.dispose();
    model?.original.dispose();
    model?.anchor?.dispose();
    const url = new URL('../data/brain-unet/model.json', location.href).href;
    model = { backend, net: await loadLayersModel(url), original: await loadLayersModel(url) };
  }
  return model.net;
}

async function predictOnce(): Promise<void> {
  state.status = 'running';
  delete state.error;
  const started = performance.now();
  const { backend, detail } = await startBackend(picker.value);
  state.backend = backend;
  input ??= { image: await fetchVolume('brain-t1-64.nii.gz'), mask: await fetchVolume('brain-mask-64.nii.gz'), name: 'the bundled brain MRI' };
  const { image, mask, name } = input;
  setStatus(`Backend: ${detail} · predicting ${name}…`);
  const net = await loadModel(backend);
  const whole = tf.tidy(() => zScoreNormalize(niftiToTensor(image, { dtype: 'float32' })));
  const [, depth, h, w] = whole.shape as number[];
  const [first, last] = sliceRange(depth!);
  const d = last - first + 1;
  // Each axial slice with its neighbours, in 64 x 64 windows (half overlapping, gaussian-blended).
  const probs = await predictVolume25D((x) => tf.tidy(() => tf.sigmoid(net.predict(x) as tf.Tensor)), whole, {
    k: 3,
    axis: 0,
    slices: Array.from({ length: d }, (_, i) => first + i),
    slidingWindow: { roiSize: [WINDOW, WINDOW], overlap: 0.5, blend: 'gaussian' },
  });
  const volume = tf.slice(whole, [0, first, 0, 0, 0], [1, d, -1, -1, -1]);
  whole.dispose();
  const predicted = tf.tidy(() => tf.cast(tf.greaterEqual(probs, 0.5), 'float32'));
  const truth =
    mask === undefined ? undefined : tf.tidy(() => tf.cast(tf.notEqual(tf.slice(niftiToTensor(mask, { dtype: 'float32' }), [0, first, 0, 0, 0], [1, d, -1, -1, -1]), 0), 'float32'));
  try {
    const shape = [d, h!, w!] as [number, number, number];
    const pred = Uint8Array.from(await predicted.data());
    const truthValues = truth === undefined ? undefined : Uint8Array.from(await truth.data());
    // Paint belongs to the slab it was painted on: another slab (or volume) starts clean.
    // So does the EWC anchor: its Fisher information is estimated on the slab's slices.
    if (shown?.first !== first || shown.shape.join() !== shape.join() || input.name !== shownName) {
      corrections = new Corrections(h!, w!);
      model?.anchor?.dispose();
      if (model !== undefined) model.anchor = undefined;
    }
    shownName = input.name;
    shown = { image: Float32Array.from(await volume.data()), pred, truth: truthValues, shape, first };
    const spacing = [image.spacing[2]!, image.spacing[1]!, image.spacing[0]!];
    let scores = 'no mask given: no Dice or HD95';
    if (truth !== undefined && truthValues !== undefined) {
      state.dice = await overallDice(probs, truth);
      // The masks as CPU arrays: no synchronous GPU read.
      const masks = (values: Uint8Array) => ({ data: values, shape: [1, d, h!, w!, 1] });
      state.hd95 = hausdorffDistance(masks(pred), masks(truthValues), { percentile: 95, spacing })[0]![0]!;
      scores = `Dice ${(state.dice as number).toFixed(3)} · HD95 ${(state.hd95 as number).toFixed(1)} mm (spacing ${spacing.join(' x ')} mm, z, y, x)`;
    } else {
      delete state.dice;
      delete state.hd95;
    }
    const slab = d === depth ? '' : ` (axial slices ${first}..${last})`;
    element('metrics').textContent = `${name}${slab}: ${w} x ${h} x ${d} voxels · ${pred.reduce((a, b) => a + b, 0)} predicted brain voxels · ${scores}`;
    // x-fastest [D, H, W] is NIfTI's voxel order: the prediction is a NIfTI volume as it is. A
    // slab starts `first` slices in: its origin moves by `first` steps of the k axis.
    const affine = image.affine.map((row) => row.map((v, c) => (c === 3 ? v + first * row[2]! : v)));
    const bytes = await writeNifti({ data: pred, shape: [w!, h!, d], spacing: image.spacing.slice(0, 3), affine }, { gzip: true, description: 'unet-kit brain mask prediction' });
    if (download.href !== '') URL.revokeObjectURL(download.href);
    download.href = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'application/gzip' }));
    download.hidden = false;
    // The slider counts slices of the predicted slab; a value past its end goes to its middle.
    if (Number(slider.value) > d - 1) slider.value = String(Math.floor(d / 2));
    slider.max = String(d - 1);
    drawShown();
    Object.assign(state, {
      status: 'done',
      ms: performance.now() - started,
      runs: (state.runs as number) + 1,
      shape: [w, h, d],
      slices: [first, last],
      predictedVoxels: pred.reduce((a, b) => a + b, 0),
      downloadBytes: bytes.length,
      input: name,
    });
    setStatus(`Backend: ${detail} · ${name} predicted in ${((state.ms as number) / 1000).toFixed(1)} s`);
  } finally {
    tf.dispose([volume, probs, predicted, ...(truth === undefined ? [] : [truth])]);
  }
}

/** The slab in the #slices field (`a-b`, inclusive, clamped to the volume; from the `slices` query parameter at first), or every slice. */
function sliceRange(depth: number): [number, number] {
  const raw = slabInput.value.trim();
  if (raw === '') return [0, depth - 1];
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (match === null || Number(match[1]) > Number(match[2])) throw new Error(`axial slices ${raw}: expected a range like 40-61, or nothing for every slice`);
  return [Math.min(Number(match[1]), depth - 1), Math.min(Number(match[2]), depth - 1)];
}

/** The Fisher slices: up to `count` evenly spread over the slab's `d` slices. */
function spread(d: number, count: number): number[] {
  const n = Math.min(count, d);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round(n === 1 ? (d - 1) / 2 : (i * (d - 1)) / (n - 1))))];
}

/** Fine-tunes the model on the painted corrections (EWC and LwF as the guard picks), then predicts again. */
async function fineTuneOnce(): Promise<void> {
  if (shown === undefined || model === undefined || input === undefined || corrections === undefined) throw new Error('predict first, then paint on the slice');
  const slices = corrections.paintedSlices();
  if (slices.length === 0) throw new Error('nothing is painted: paint a correction on the slice (add or erase) first');
  state.status = 'running';
  delete state.error;
  const started = performance.now();
  const { net, original } = model;
  const guard = guardPicker.value;
  const [d, h, w] = shown.shape;
  const before = correctionScores(corrections, shown.pred, shown.truth, d);
  const labels = slices.map((z) => corrections!.labels(z)!);
  const targets = tf.tensor4d(Float32Array.from(labels.flatMap((l) => Array.from(l, (v) => (v === 1 ? 1 : 0)))), [slices.length, h, w, 1]);
  const weights = tf.tensor4d(Float32Array.from(labels.flatMap((l) => Array.from(l, (v) => (v === -1 ? 0 : 1)))), [slices.length, h, w, 1]);
  // The same 2.5D stacks prediction uses (edge slices replicated), of the whole volume.
  const stacks = tf.tidy(() => sliceStacks(zScoreNormalize(niftiToTensor(input!.image, { dtype: 'float32' })), { axis: 0, k: 3 }));
  const pick = (zs: number[]): tf.Tensor4D => tf.tidy(() => tf.gather(stacks, tf.tensor1d(zs.map((z) => shown!.first + z), 'int32')));
  const painted = pick(slices);
  const teacher = guard.includes('lwf') ? (tf.tidy(() => original.predict(painted)) as tf.Tensor4D) : undefined;
  try {
    if (guard.includes('ewc') && model.anchor === undefined) {
      setStatus(`Fine-tuning: the Fisher information of the original model on ${Math.min(TUNE.fisherSlices, d)} slices…`);
      // The original model's anchor: its weights and how much its own predictions depend on them.
      const fisherStacks = pick(spread(d, TUNE.fisherSlices));
      try {
        model.anchor = await predictionAnchor(original, fisherStacks);
      } finally {
        fisherStacks.dispose();
      }
      // Anchored on `original`'s variables; the penalty must read `net`'s.
      model.anchor = { ...model.anchor, variables: net.trainableWeights };
    }
    const losses = await fineTune(net, painted, targets, weights, {
      steps: TUNE.steps,
      learningRate: TUNE.learningRate,
      ewc: guard.includes('ewc') && model.anchor !== undefined ? { anchor: model.anchor, lambda: TUNE.lambda } : undefined,
      lwf: teacher === undefined ? undefined : { teacher, weight: TUNE.lwf },
      onStep: (step, loss, penalty) => setStatus(`Fine-tuning step ${step} of ${TUNE.steps}: painted-voxel loss ${loss.toFixed(3)}, EWC/LwF term ${penalty.toFixed(3)}`),
    });
    const tuneMs = performance.now() - started;
    await predictOnce();
    const after = correctionScores(corrections, shown.pred, shown.truth, d);
    Object.assign(state, {
      finetunes: ((state.finetunes as number | undefined) ?? 0) + 1,
      correction: { guard, slices: slices.map((z) => shown!.first + z), before, after, losses, tuneMs, ms: performance.now() - started },
    });
    element('correction').textContent = correctionText(guard, before, after, losses.length, tuneMs);
  } finally {
    tf.dispose([stacks, painted, targets, weights, ...(teacher === undefined ? [] : [teacher])]);
  }
}

const GUARD_NAMES: Record<string, string> = { 'ewc+lwf': 'EWC + LwF', ewc: 'EWC', lwf: 'LwF', none: 'no EWC or LwF' };

function correctionText(guard: string, before: CorrectionScores, after: CorrectionScores, steps: number, ms: number): string {
  const part = (label: string, n: number, b: number, a: number): string => (n === 0 ? '' : `${label} ${n} voxels: predicted brain ${(100 * b).toFixed(0)}% -> ${(100 * a).toFixed(0)}% · `);
  const dice = before.unpaintedDice === undefined || after.unpaintedDice === undefined ? '' : `Dice on the unpainted slices ${before.unpaintedDice.toFixed(3)} -> ${after.unpaintedDice.toFixed(3)} · `;
  return `Fine-tuned ${steps} steps (${GUARD_NAMES[guard] ?? guard}) in ${(ms / 1000).toFixed(1)} s: ` +
    `${part('erased', before.erased, before.erasedPredicted, after.erasedPredicted)}${part('added', before.added, before.addedPredicted, after.addedPredicted)}${dice}`.replace(/ · $/, '');
}

/** Puts the original weights back (the paint stays) and predicts again. */
async function resetOnce(): Promise<void> {
  if (model === undefined) return;
  model.net.setWeights(model.original.getWeights());
  await predictOnce();
  state.resets = ((state.resets as number | undefined) ?? 0) + 1;
}

function predict(): Promise<void> {
  busy = busy.then(predictOnce).catch(showError);
  return busy;
}

async function readFile(file: File): Promise<NiftiVolume> {
  return readNifti(await file.arrayBuffer());
}

/** Opens an image (and optionally a mask) chosen or dropped by the user, then predicts it. */
async function open(imageFile: File, maskFile: File | undefined): Promise<void> {
  try {
    const image = await readFile(imageFile);
    const mask = maskFile === undefined ? undefined : await readFile(maskFile);
    if (mask !== undefined && mask.shape.slice(0, 3).join() !== image.shape.slice(0, 3).join()) {
      throw new Error(`the mask ${maskFile!.name} is ${mask.shape.slice(0, 3).join(' x ')} voxels, the image ${image.shape.slice(0, 3).join(' x ')}`);
    }
    input = { image, mask, name: imageFile.name };
    await predict();
  } catch (error) {
    showError(error);
  }
}

const imageInput = element<HTMLInputElement>('imageFile');
const maskInput = element<HTMLInputElement>('maskFile');
imageInput.addEventListener('change', () => {
  const file = imageInput.files?.[0];
  if (file !== undefined) void open(file, maskInput.files?.[0]);
});
maskInput.addEventListener('change', () => {
  const image = imageInput.files?.[0];
  if (image !== undefined) void open(image, maskInput.files?.[0]);
});
const drop = element('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const files = Array.from(event.dataTransfer?.files ?? []);
  const isMask = (file: File): boolean => /mask|seg|label/i.test(file.name);
  const image = files.find((file) => !isMask(file)) ?? files[0];
  if (image !== undefined) void open(image, files.find((file) => file !== image && isMask(file)));
});
slider.value = String(numberParam('slice', 45, 0, 10_000));
slider.addEventListener('input', drawShown);
element('predict').addEventListener('click', () => void predict());
slabInput.addEventListener('change', () => void predict());
const guardPicker = element<HTMLSelectElement>('guard');
guardPicker.value = textParam('guard', 'ewc+lwf');
if (guardPicker.value === '') throw new Error(`query parameter guard=${textParam('guard', '')}: expected ewc+lwf, ewc, lwf or none`);
const brush = element<HTMLSelectElement>('brush');
const brushSize = element<HTMLInputElement>('brushSize');
const redraw = (): void => {
  drawShown();
  element('painted').textContent = `${corrections?.count() ?? 0} voxels painted`;
  state.painted = corrections?.count() ?? 0;
};
attachBrush(element<HTMLCanvasElement>('view'), {
  corrections: () => corrections,
  slice: () => (shown === undefined ? undefined : Math.min(Number(slider.value), shown.shape[0] - 1)),
  label: () => Number(brush.value) as PaintLabel,
  radius: () => Number(brushSize.value),
  changed: redraw,
});
element('undo').addEventListener('click', () => {
  corrections?.undo();
  redraw();
});
element('clear').addEventListener('click', () => {
  corrections?.clear();
  redraw();
});
// In a task of their own, not the click's: WebGL compiles the training shaders synchronously (on
// SwiftShader, seconds each), and the click would not return until they are built.
element('finetune').addEventListener('click', () => {
  state.status = 'running';
  setTimeout(() => {
    busy = busy.then(fineTuneOnce).catch(showError);
  }, 0);
});
element('reset').addEventListener('click', () => {
  state.status = 'running';
  setTimeout(() => {
    busy = busy.then(resetOnce).catch(showError);
  }, 0);
});
picker.addEventListener('change', () => void predict());
void predict();
