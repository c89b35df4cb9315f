// A 3D example: a small 3D U-Net trained on random patches of the bundled MRI (axial slices
// 0..39), the whole volume predicted by 3D sliding windows and shown in three planes, with the
// held-out (slices 40..61) Dice. Query parameters: backend, steps, size (in-plane, 64 or 32),
// patch (edge of the cubic patch), batch, filters, lr, autostart=1.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { randomCrop } from 'unet-kit/augment';
import { slidingWindowInference } from 'unet-kit/inference';
import { diceCELoss } from 'unet-kit/losses';
import { unet } from 'unet-kit/models';
import { fillPicker, startBackend } from '../shared/backend.js';
import { loadBrain } from '../shared/brain.js';
import { compareColours, drawChart, drawSlice } from '../shared/draw.js';
import { element, exampleState, numberParam, setStatus, showError, textParam } from '../shared/page.js';
import { overallDice } from '../shared/score.js';

const settings = {
  steps: numberParam('steps', 150, 1, 100_000),
  size: numberParam('size', 64, 16, 64),
  patch: numberParam('patch', 24, 8, 64),
  batch: numberParam('batch', 2, 1, 16),
  learningRate: numberParam('lr', 3e-3, 1e-6, 1),
  filters: textParam('filters', '8,16').split(',').map(Number),
};
const TRAIN_DEPTH = 40;

const state = exampleState();
let stopRequested = false;
/** The volume and the prediction on the CPU, `[D, H, W]` row-major, for the plane views. */
let shown: { image: Float32Array; truth: Float32Array; pred: Float32Array; shape: [number, number, number] } | undefined;

const picker = element<HTMLSelectElement>('backend');
const startButton = element<HTMLButtonElement>('start');
const stopButton = element<HTMLButtonElement>('stop');
fillPicker(picker, textParam('backend', 'auto'));
element('settings').textContent = `${settings.steps} steps · patches ${settings.patch}³ · batch ${settings.batch} · filters [${settings.filters.join(', ')}]`;
const sliders = { z: element<HTMLInputElement>('z'), y: element<HTMLInputElement>('y'), x: element<HTMLInputElement>('x') };

/** One plane of a `[D, H, W]` array: axial (fixed z), coronal (fixed y) or sagittal (fixed x). */
function plane(values: Float32Array, [d, h, w]: readonly number[], axis: 'z' | 'y' | 'x', at: number): { values: Float32Array; rows: number; cols: number } {
  const [rows, cols] = axis === 'z' ? [h!, w!] : axis === 'y' ? [d!, w!] : [d!, h!];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Coronal and sagittal views put the top of the head (high z) at the top.
      const index = axis === 'z' ? (at * h! + r) * w! + c : axis === 'y' ? ((d! - 1 - r) * h! + at) * w! + c : ((d! - 1 - r) * h! + c) * w! + at;
      out[r * cols + c] = values[index]!;
    }
  }
  return { values: out, rows, cols };
}

function drawPlanes(): void {
  if (shown === undefined) return;
  for (const [axis, canvas] of [['z', 'axial'], ['y', 'coronal'], ['x', 'sagittal']] as const) {
    const at = Math.min(Number(sliders[axis].value), shown.shape[axis === 'z' ? 0 : axis === 'y' ? 1 : 2] - 1);
    const image = plane(shown.image, shown.shape, axis, at);
    const truth = plane(shown.truth, shown.shape, axis, at);
    const pred = plane(shown.pred, shown.shape, axis, at);
    drawSlice(element<HTMLCanvasElement>(canvas), image.values, [image.rows, image.cols], compareColours(truth.values, pred.values));
  }
  state.drawn = ((state.drawn as number | undefined) ?? 0) + 1;
}

async function run(): Promise<void> {
  stopRequested = false;
  startButton.disabled = true;
  stopButton.disabled = false;
  picker.disabled = true;
  Object.assign(state, { status: 'loading', losses: [] as number[] });
  delete state.error;
  const tensors: tf.Tensor[] = [];
  let model: LayersModel | undefined;
  try {
    const { backend, detail } = await startBackend(picker.value);
    state.backend = backend;
    setStatus(`Backend: ${detail}. Loading the MRI…`);
    const brain = await loadBrain(settings.size);
    tensors.push(brain.image, brain.mask);
    const [, d, h, w] = brain.image.shape;
    const trainPart = {
      image: tf.slice(brain.image, [0, 0, 0, 0, 0], [1, TRAIN_DEPTH, -1, -1, 1]),
      mask: tf.slice(brain.mask, [0, 0, 0, 0, 0], [1, TRAIN_DEPTH, -1, -1, 1]),
    };
    tensors.push(trainPart.image, trainPart.mask);
    const p = settings.patch;
    model = unet({ spatialDims: 3, inputShape: [p, p, p, 1], numClasses: 1, filters: settings.filters, norm: 'instance', finalActivation: 'none', seed: 0 });
    model.compile({ optimizer: tf.train.adam(settings.learningRate), loss: diceCELoss({ activation: 'sigmoid' }) });
    const crop = randomCrop([p, p, p]);
    state.status = 'running';
    const started = performance.now();
    const losses = state.losses as number[];
    for (let step = 1; step <= settings.steps && !stopRequested; step++) {
      // A batch of random patches, each drawn with its own seed (the run repeats).
      const patches = Array.from({ length: settings.batch }, (_, i) => crop(trainPart, step * 1000 + i));
      const xs = tf.concat(patches.map((s) => s.image));
      const ys = tf.concat(patches.map((s) => s.mask!));
      const loss = (await model.trainOnBatch(xs, ys)) as number;
      tf.dispose([xs, ys, ...patches.flatMap((s) => [s.image, s.mask!])]);
      if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${step}`);
      losses.push(loss);
      drawChart(element<HTMLCanvasElement>('loss'), [{ label: 'loss', colour: '#3451b2', points: losses.map((v, i) => [i + 1, v] as const) }]);
      setStatus(`Backend: ${detail} · step ${step}/${settings.steps} · loss ${loss.toFixed(4)}`);
    }
    setStatus(`Backend: ${detail} · predicting the whole volume with ${p}³ sliding windows…`);
    const net = model;
    const probs = await slidingWindowInference((x) => tf.tidy(() => tf.sigmoid(net.predict(x) as tf.Tensor)), brain.image, {
      roiSize: [p, p, p],
      overlap: 0.25,
      blend: 'gaussian',
      batchSize: 4,
    });
    tensors.push(probs);
    const heldProbs = tf.slice(probs, [0, TRAIN_DEPTH, 0, 0, 0], [1, -1, -1, -1, 1]);
    const heldMask = tf.slice(brain.mask, [0, TRAIN_DEPTH, 0, 0, 0], [1, -1, -1, -1, 1]);
    tensors.push(heldProbs, heldMask);
    state.dice = await overallDice(heldProbs, heldMask);
    const pred = tf.cast(tf.greaterEqual(probs, 0.5), 'float32');
    tensors.push(pred);
    shown = {
      image: Float32Array.from(await brain.image.data()),
      truth: Float32Array.from(await brain.mask.data()),
      pred: Float32Array.from(await pred.data()),
      shape: [d!, h!, w!],
    };
    // Each plane through the volume's centre unless a slider already points inside it.
    for (const [axis, size] of [['z', d!], ['y', h!], ['x', w!]] as const) {
      const inside = Number(sliders[axis].value) < size && sliders[axis].max === String(size - 1);
      sliders[axis].max = String(size - 1);
      if (!inside) sliders[axis].value = String(axis === 'z' ? Math.min(44, size - 1) : Math.floor(size / 2));
    }
    drawPlanes();
    state.ms = performance.now() - started;
    state.status = 'done';
    setStatus(`Backend: ${detail} · ${losses.length} steps and the sliding-window prediction in ${((state.ms as number) / 1000).toFixed(1)} s · held-out Dice ${(state.dice as number).toFixed(3)}`);
  } catch (error) {
    showError(error);
  } finally {
    model?.dispose();
    tf.dispose(tensors);
    startButton.disabled = false;
    stopButton.disabled = true;
    picker.disabled = false;
  }
}

for (const slider of Object.values(sliders)) slider.addEventListener('input', drawPlanes);
startButton.addEventListener('click', () => void run());
stopButton.addEventListener('click', () => {
  stopRequested = true;
});
setStatus('Pick a backend and press Start.');
if (textParam('autostart', '0') === '1') void run();
