// Train in the browser: a 2.5D U-Net (3 adjacent axial slices as channels) learns brain
// extraction on the bundled MRI, with live loss and held-out Dice curves and the overlay of
// prediction and truth. Query parameters (the e2e test uses small ones): backend, steps, size,
// batch, filters (e.g. 4,8), evalEvery, lr, autostart=1.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { augmentedBatches, flip } from 'unet-kit/augment';
import { sliceStacks } from 'unet-kit/data';
import { diceCELoss } from 'unet-kit/losses';
import { unet } from 'unet-kit/models';
import { fillPicker, startBackend } from '../shared/backend.js';
import { loadBrain } from '../shared/brain.js';
import { compareColours, drawChart, drawSlice } from '../shared/draw.js';
import { element, exampleState, numberParam, setStatus, showError, textParam } from '../shared/page.js';
import { overallDice } from '../shared/score.js';

const settings = {
  steps: numberParam('steps', 300, 1, 100_000),
  size: numberParam('size', 64, 16, 64),
  batch: numberParam('batch', 8, 1, 64),
  evalEvery: numberParam('evalEvery', 10, 1, 100_000),
  learningRate: numberParam('lr', 3e-3, 1e-6, 1),
  filters: textParam('filters', '8,16,32').split(',').map(Number),
};
const TRAIN = { from: 0, to: 39 };
const HELD_OUT = { from: 40, to: 61 };
// The held-out slice drawn in the overlay: one with plenty of brain.
const SHOWN = 42;

const state = exampleState();
state.losses = [] as number[];
state.dices = [] as Array<[number, number]>;
let stopRequested = false;

const picker = element<HTMLSelectElement>('backend');
const startButton = element<HTMLButtonElement>('start');
const stopButton = element<HTMLButtonElement>('stop');
fillPicker(picker, textParam('backend', 'auto'));
element('settings').textContent = `${settings.steps} steps · ${settings.size}x${settings.size} · batch ${settings.batch} · filters [${settings.filters.join(', ')}]`;
element('slice').textContent = String(SHOWN);

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function redrawCharts(): void {
  const losses = state.losses as number[];
  drawChart(element<HTMLCanvasElement>('loss'), [{ label: 'loss', colour: '#3451b2', points: losses.map((v, i) => [i + 1, v] as const) }]);
  drawChart(element<HTMLCanvasElement>('dice'), [{ label: 'Dice', colour: '#c2185b', points: state.dices as Array<[number, number]> }], { yMin: 0, yMax: 1 });
}

/** Held-out Dice; draws the shown slice's overlay. */
async function evaluate(model: LayersModel, x: tf.Tensor4D, y: tf.Tensor4D, step: number): Promise<number> {
  const probs = tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor));
  const score = await overallDice(probs, y);
  const index = SHOWN - HELD_OUT.from;
  const [image, truth, pred] = await Promise.all(
    [tf.slice(x, [index, 0, 0, 1], [1, -1, -1, 1]), tf.slice(y, [index, 0, 0, 0], [1, -1, -1, 1]), tf.slice(probs, [index, 0, 0, 0], [1, -1, -1, 1])].map(async (t) => {
      const values = await t.data();
      t.dispose();
      return values;
    }),
  );
  drawSlice(element<HTMLCanvasElement>('overlay'), image!, [settings.size, settings.size], compareColours(truth!, pred!));
  probs.dispose();
  (state.dices as Array<[number, number]>).push([step, score]);
  return score;
}

async function train(): Promise<void> {
  stopRequested = false;
  startButton.disabled = true;
  stopButton.disabled = false;
  picker.disabled = true;
  state.status = 'loading';
  state.losses = [];
  state.dices = [];
  delete state.error;
  const tensors: tf.Tensor[] = [];
  let model: LayersModel | undefined;
  try {
    const { backend, detail } = await startBackend(picker.value);
    state.backend = backend;
    setStatus(`Backend: ${detail}. Loading the MRI…`);
    const brain = await loadBrain(settings.size);
    const { trainX, trainY, heldX, heldY } = tf.tidy(() => {
      const stacks = sliceStacks(brain.image, { axis: 0, k: 3 });
      const masks = tf.reshape(brain.mask, [brain.mask.shape[1], settings.size, settings.size, 1]);
      const pick = (t: tf.Tensor, rows: number[]): tf.Tensor4D => tf.gather(t, tf.tensor1d(rows, 'int32')) as tf.Tensor4D;
      return {
        trainX: pick(stacks, range(TRAIN.from, TRAIN.to)),
        trainY: pick(masks, range(TRAIN.from, TRAIN.to)),
        heldX: pick(stacks, range(HELD_OUT.from, HELD_OUT.to)),
        heldY: pick(masks, range(HELD_OUT.from, HELD_OUT.to)),
      };
    });
    tensors.push(brain.image, brain.mask, trainX, trainY, heldX, heldY);
    model = unet({ inputShape: [settings.size, settings.size, 3], numClasses: 1, filters: settings.filters, norm: 'instance', finalActivation: 'none', seed: 0 });
    model.compile({ optimizer: tf.train.adam(settings.learningRate), loss: diceCELoss({ activation: 'sigmoid' }) });
    // Left-right mirroring of whole slices; the stream repeats with the same seed.
    const batches = augmentedBatches({ image: trainX, mask: trainY }, { batchSize: settings.batch, transform: flip({ axes: [1] }), epochs: Infinity, seed: 0 })();
    state.status = 'running';
    const started = performance.now();
    for (let step = 1; step <= settings.steps && !stopRequested; step++) {
      const { xs, ys } = batches.next().value!;
      const loss = (await model.trainOnBatch(xs, ys!)) as number;
      tf.dispose([xs, ys!]);
      if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${step}`);
      (state.losses as number[]).push(loss);
      if (step % settings.evalEvery === 0 || step === settings.steps) await evaluate(model, heldX, heldY, step);
      redrawCharts();
      const dices = state.dices as Array<[number, number]>;
      setStatus(`Backend: ${detail} · step ${step}/${settings.steps} · loss ${loss.toFixed(4)}${dices.length > 0 ? ` · held-out Dice ${dices.at(-1)![1].toFixed(3)}` : ''}`);
    }
    const steps = (state.losses as number[]).length;
    if ((state.dices as Array<[number, number]>).at(-1)?.[0] !== steps) await evaluate(model, heldX, heldY, steps);
    redrawCharts();
    state.ms = performance.now() - started;
    state.dice = (state.dices as Array<[number, number]>).at(-1)![1];
    state.status = 'done';
    setStatus(`Backend: ${detail} · ${steps} steps in ${((state.ms as number) / 1000).toFixed(1)} s · held-out Dice ${(state.dice as number).toFixed(3)}${stopRequested ? ' (stopped)' : ''}`);
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

startButton.addEventListener('click', () => void train());
stopButton.addEventListener('click', () => {
  stopRequested = true;
});
redrawCharts();
setStatus('Pick a backend and press Start.');
if (textParam('autostart', '0') === '1') void train();
