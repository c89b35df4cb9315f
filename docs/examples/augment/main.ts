// Augmentation playground: unet-kit's transforms composed in the order listed, applied with one
// seed to a slice of the bundled MRI and its mask, shown side by side. Query parameters: backend,
// transforms (comma-separated names), seed, slice.
import * as tf from '@tensorflow/tfjs-core';
import {
  affine,
  brightness,
  compose,
  contrast,
  elasticDeform,
  flip,
  gamma,
  gaussianBlur,
  gaussianNoise,
  rotate90,
  simulateLowResolution,
  type Transform,
} from 'unet-kit/augment';
import { fillPicker, startBackend } from '../shared/backend.js';
import { loadBrain, type Brain } from '../shared/brain.js';
import { drawSlice, maskColour } from '../shared/draw.js';
import { element, exampleState, numberParam, setStatus, showError, textParam } from '../shared/page.js';

/** The menu: each transform with settings strong enough to see on a 64 x 64 slice. */
const MENU: ReadonlyArray<{ name: string; label: string; make: () => Transform }> = [
  { name: 'flip', label: 'flip', make: () => flip({ axes: [1] }) },
  { name: 'rotate90', label: 'rotate 90°', make: () => rotate90() },
  { name: 'affine', label: 'affine (±30°, zoom 0.8–1.2)', make: () => affine({ rotation: 30, scale: [0.8, 1.2], translation: 0.05 }) },
  { name: 'elasticDeform', label: 'elastic', make: () => elasticDeform({ alpha: [40, 120], sigma: [6, 8] }) },
  { name: 'gaussianNoise', label: 'noise', make: () => gaussianNoise({ std: [0.1, 0.3] }) },
  { name: 'gaussianBlur', label: 'blur', make: () => gaussianBlur({ sigma: [0.8, 1.5] }) },
  { name: 'brightness', label: 'brightness', make: () => brightness() },
  { name: 'contrast', label: 'contrast', make: () => contrast() },
  { name: 'gamma', label: 'gamma', make: () => gamma({ range: [0.7, 1.5] }) },
  { name: 'simulateLowResolution', label: 'low resolution', make: () => simulateLowResolution({ zoom: [0.3, 0.6] }) },
];

const state = exampleState();
state.applied = 0;
const seedInput = element<HTMLInputElement>('seed');
const sliceInput = element<HTMLInputElement>('slice');
const picker = element<HTMLSelectElement>('backend');
const chosen = new Set(textParam('transforms', 'affine,elasticDeform,gaussianNoise,gamma').split(','));
for (const name of chosen) if (!MENU.some((entry) => entry.name === name)) throw new Error(`transforms=${name}: not one of ${MENU.map((e) => e.name).join(', ')}`);
for (const { name, label } of MENU) {
  const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: `t-${name}`, checked: chosen.has(name) });
  const tag = document.createElement('label');
  tag.append(box, ` ${label}`);
  element('transforms').append(tag);
  box.addEventListener('change', () => void apply());
}
seedInput.value = String(numberParam('seed', 1, -1e9, 1e9));
sliceInput.value = String(numberParam('slice', 30, 0, 61));
element('sliceValue').textContent = sliceInput.value;
fillPicker(picker, textParam('backend', 'auto'));

let brain: Brain | undefined;
let backendInUse = '';
let busy: Promise<void> = Promise.resolve();

async function readBack(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

/** A hash of the values (to tell outputs apart in tests without shipping pixels). */
function checksum(values: ArrayLike<number>): number {
  let hash = 0;
  for (let i = 0; i < values.length; i++) hash = (hash * 31 + Math.round(values[i]! * 1000)) % 2_147_483_647;
  return hash;
}

async function applyOnce(): Promise<void> {
  state.status = 'running';
  const started = performance.now();
  if (brain === undefined || picker.value !== backendInUse) {
    if (brain !== undefined) tf.dispose([brain.image, brain.mask]);
    brain = undefined;
    const { backend, detail } = await startBackend(picker.value);
    state.backend = backend;
    state.backendDetail = detail;
    backendInUse = picker.value;
    brain = await loadBrain();
  }
  const steps = MENU.filter(({ name }) => element<HTMLInputElement>(`t-${name}`).checked);
  const seed = Number(seedInput.value);
  const slice = Number(sliceInput.value);
  const [, , h, w] = brain.image.shape;
  const sample = tf.tidy(() => ({
    image: tf.reshape(tf.slice(brain!.image, [0, slice, 0, 0, 0], [1, 1, -1, -1, 1]), [1, h, w, 1]),
    mask: tf.reshape(tf.slice(brain!.mask, [0, slice, 0, 0, 0], [1, 1, -1, -1, 1]), [1, h, w, 1]),
  }));
  const out = steps.length === 0 ? { image: tf.clone(sample.image), mask: tf.clone(sample.mask) } : compose(steps.map((s) => s.make()))(sample, seed);
  const [image, mask, augmented, augmentedMask] = await Promise.all([sample.image, sample.mask, out.image, out.mask!].map(readBack));
  tf.dispose([sample.image, sample.mask, out.image, out.mask!]);
  // The originals on the original's grey range, so intensity transforms show as changes.
  const range = [Math.min(...image!), Math.max(...image!)] as const;
  drawSlice(element<HTMLCanvasElement>('original'), image!, [h, w], maskColour(mask!), { alpha: 0.35 });
  drawSlice(element<HTMLCanvasElement>('image'), augmented!, [h, w], undefined, { range });
  drawSlice(element<HTMLCanvasElement>('mask'), augmentedMask!, [h, w], undefined, { range: [0, 1] });
  const maskSum = augmentedMask!.reduce((a, b) => a + b, 0);
  Object.assign(state, {
    status: 'done',
    ms: performance.now() - started,
    applied: (state.applied as number) + 1,
    transforms: steps.map((s) => s.name),
    seed,
    slice,
    imageChecksum: checksum(augmented!),
    maskChecksum: checksum(augmentedMask!),
    maskFraction: maskSum / augmentedMask!.length,
    originalMaskFraction: mask!.reduce((a, b) => a + b, 0) / mask!.length,
    maskIsBinary: augmentedMask!.every((v) => v === 0 || v === 1),
  });
  setStatus(`Backend: ${String(state.backendDetail)} · ${steps.map((s) => s.name).join(' → ') || 'no transform'} · seed ${seed} · ${(state.ms as number).toFixed(0)} ms`);
}

/** Runs one application after the previous one (clicks may come faster than a backend). */
function apply(): Promise<void> {
  busy = busy.then(applyOnce).catch(showError);
  return busy;
}

element('apply').addEventListener('click', () => void apply());
element('reseed').addEventListener('click', () => {
  seedInput.value = String(Math.floor(Math.random() * 1e6));
  void apply();
});
seedInput.addEventListener('change', () => void apply());
sliceInput.addEventListener('input', () => {
  element('sliceValue').textContent = sliceInput.value;
  void apply();
});
picker.addEventListener('change', () => void apply());
void apply();
