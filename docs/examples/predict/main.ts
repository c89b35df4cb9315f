// Predict and inspect: the shipped brain model (docs/examples/data/brain-unet, trained by
// docs/examples/trainModel.ts) segments a NIfTI volume with 2.5D sliding-window inference; a
// slice slider shows the overlay, Dice and HD95 are given against a mask, and the predicted
// mask downloads as NIfTI. Query parameters: backend, slice, slices (a range of axial slices to
// predict, e.g. 40-61: the slab the model never saw; default all).
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import 'unet-kit/layers';
import { niftiToTensor, readNifti, writeNifti, zScoreNormalize, type NiftiVolume } from 'unet-kit/data';
import { predictVolume25D } from 'unet-kit/inference';
import { hausdorffDistance } from 'unet-kit/metrics';
import { fillPicker, startBackend } from '../shared/backend.js';
import { fetchVolume } from '../shared/brain.js';
import { compareColours, drawSlice, maskColour } from '../shared/draw.js';
import { element, exampleState, numberParam, setStatus, showError, textParam } from '../shared/page.js';
import { overallDice } from '../shared/score.js';

/** The network's window: the in-plane size it was trained on. */
const WINDOW = 64;

const state = exampleState();
state.runs = 0;
const picker = element<HTMLSelectElement>('backend');
const slider = element<HTMLInputElement>('slice');
const download = element<HTMLAnchorElement>('download');
fillPicker(picker, textParam('backend', 'auto'));

let input: { image: NiftiVolume; mask?: NiftiVolume; name: string } | undefined;
let model: { backend: string; net: LayersModel } | undefined;
/** What the slider draws: x-fastest arrays of the volume `[D, H, W]`. */
let shown: { image: Float32Array; pred: Uint8Array; truth?: Uint8Array; shape: [number, number, number]; first: number } | undefined;
let busy: Promise<void> = Promise.resolve();

function drawShown(): void {
  if (shown === undefined) return;
  const [d, h, w] = shown.shape;
  const z = Math.min(Number(slider.value), d - 1);
  element('sliceValue').textContent = String(shown.first + z);
  const at = (array: ArrayLike<number>): ArrayLike<number> => (array as Float32Array).subarray(z * h * w, (z + 1) * h * w);
  const colours = shown.truth === undefined ? maskColour(at(shown.pred)) : compareColours(at(shown.truth), at(shown.pred));
  drawSlice(element<HTMLCanvasElement>('view'), at(shown.image), [h, w], colours);
  state.slice = shown.first + z;
  state.drawn = ((state.drawn as number | undefined) ?? 0) + 1;
}

async function loadModel(backend: string): Promise<LayersModel> {
  if (model?.backend !== backend) {
    model?.net.dispose();
    model = { backend, net: await loadLayersModel(new URL('../data/brain-unet/model.json', location.href).href) };
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

/** The `slices=a-b` query parameter (inclusive, clamped to the volume), or every slice. */
function sliceRange(depth: number): [number, number] {
  const raw = textParam('slices', '');
  if (raw === '') return [0, depth - 1];
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (match === null || Number(match[1]) > Number(match[2])) throw new Error(`query parameter slices=${raw}: expected a range like 40-61`);
  return [Math.min(Number(match[1]), depth - 1), Math.min(Number(match[2]), depth - 1)];
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
picker.addEventListener('change', () => void predict());
void predict();
