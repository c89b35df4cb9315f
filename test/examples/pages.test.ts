// The live example pages of the docs site (docs/examples), built from dist/ as `npm run docs`
// builds them, served with the cross-origin isolation headers and driven in headless Chromium on
// wasm, webgl and webgpu, at tiny sizes through their query parameters: no console error, the
// train page lowers its loss and reaches a stated held-out Dice, the augmentation playground is
// seed-deterministic, the predict page's interactive correction (test/examples/correctionPage.ts)
// moves a painted region while the other slices keep their Dice, and screenshots are not blank. Prints the wall time per backend and the
// bundle sizes. Run after `npm run build` (npm test does). Screenshots go to a temporary folder.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../src/data/nifti.js';
import { SKIP_BROWSER } from '../helpers/chromium.js';
import { correctionCase } from './correctionPage.js';
import { openExampleSite, openPage, pixelStats, waitForState, webgpuAdapter, type ExampleSite } from './examplePages.js';

const root = join(import.meta.dirname, '..', '..');
const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
// SwiftShader is slow, WebGPU the most (it compiles every kernel's pipeline anew per page): the
// train page's 8 steps took 7 s on wasm, 74 s on WebGL and 172 s on WebGPU on a loaded 2-core machine.
const PAGE_LIMIT_MS = 400_000;
const TEST_LIMIT_MS = 420_000;

// The train page at a size SwiftShader's WebGL and WebGPU finish in about a minute: 32 x 32
// slices, filters [4, 8], batches of 4, 8 Adam steps at 1e-2, held-out Dice after steps 4 and 8.
// On wasm this reached a held-out Dice of 0.72 at step 8 (0.48 at step 4); the test asks for 0.6.
const TRAIN_QUERY = 'steps=8&size=32&filters=4,8&batch=4&evalEvery=4&lr=0.01&autostart=1';
const TRAIN_MIN_DICE = 0.6;

// The shipped model (docs/examples/trainModel.ts) on the slices it never saw (40..61 of the
// bundled volume): Dice 0.907 measured in Node; the test asks for 0.85. (On the whole volume,
// slices 0..39 included: Dice 0.973, HD95 5 mm.)
const PREDICT_MIN_DICE = 0.85;
const dataDir = join(root, 'docs', 'examples', 'data');

// The 3D page at its smallest: in-plane 32, 16^3 patches, filters [4, 8], 2 patches a step, 6
// steps at 1e-2, then 3D sliding windows over the whole 62 x 32 x 32 volume. On wasm: loss
// 1.27 -> 0.74, held-out Dice 0.49; the test asks for 0.35 (a larger run, the page's default, does far better).
const VOLUME_QUERY = 'steps=6&size=32&patch=16&filters=4,8&batch=2&lr=0.01&autostart=1';
const VOLUME_MIN_DICE = 0.35;

describe.skipIf(SKIP_BROWSER)('the live example pages in headless Chromium', () => {
  let site: ExampleSite | undefined;
  let adapter: string | null = null;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    site = await openExampleSite();
    adapter = await webgpuAdapter(site);
    console.log(`example bundles (minified main.js): ${site.built.map((b) => `${b.name} ${b.bundleBytes} bytes`).join(', ')}; WebGPU adapter: ${adapter ?? 'none'}`);
    console.log(`example screenshots of this run: ${site.dir}`);
  }, TEST_LIMIT_MS);

  afterAll(async () => {
    await site?.close();
  });

  /** True when `backend` cannot run here; then the page must have said why. */
  function unavailable(backend: string, state: { status: string; error?: string }): boolean {
    if (backend !== 'webgpu' || adapter !== null) return false;
    console.log(`WebGPU has no adapter in this Chromium: the ${backend} run checks the page's error instead (${state.error ?? 'no error'})`);
    expect(state.status).toBe('error');
    expect(state.error).toMatch(/webgpu/i);
    return true;
  }

  it('builds each example page with its bundle, the data and the .wasm files', () => {
    expect(site!.built.map((b) => b.name)).toEqual(['train', 'augment', 'predict', 'volume3d']);
    for (const { name, bundleBytes } of site!.built) {
      expect(existsSync(join(site!.dir, name, 'index.html'))).toBe(true);
      // tfjs-core, -layers, all four browser backends and the parts of unet-kit the page uses.
      expect(bundleBytes).toBeGreaterThan(500_000);
      expect(bundleBytes).toBeLessThan(3_000_000);
    }
    for (const file of ['data/brain-t1-64.nii.gz', 'data/brain-mask-64.nii.gz', 'data/README.md', 'data/brain-unet/model.json', 'wasm/tfjs-backend-wasm-threaded-simd.wasm']) {
      expect(existsSync(join(site!.dir, file)), file).toBe(true);
    }
  });

  it.each(BACKENDS)('train: the 2.5D U-Net lowers its loss and reaches the stated held-out Dice on %s, with curves and overlay drawn', async (backend) => {
    const started = Date.now();
    const { page, log } = await openPage(site!, `/train/?backend=${backend}&${TRAIN_QUERY}`);
    try {
      const state = await waitForState(page, PAGE_LIMIT_MS);
      const wall = Date.now() - started;
      if (unavailable(backend, state)) return;
      expect(state.error).toBeUndefined();
      expect(log.errors).toEqual([]);
      expect(state.backend).toBe(backend);
      const losses = state.losses as number[];
      const dices = state.dices as Array<[number, number]>;
      expect(losses).toHaveLength(8);
      const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean(losses.slice(-3))).toBeLessThan(0.85 * mean(losses.slice(0, 3)));
      expect(dices.map(([step]) => step)).toEqual([4, 8]);
      expect(state.dice).toBeGreaterThanOrEqual(TRAIN_MIN_DICE);
      const overlay = pixelStats(await page.locator('#overlay').screenshot());
      const lossChart = pixelStats(await page.locator('#loss').screenshot());
      expect(overlay.std).toBeGreaterThan(20);
      expect(overlay.levels).toBeGreaterThan(16);
      expect(lossChart.std).toBeGreaterThan(10);
      await writeFile(join(site!.dir, `train-${backend}.png`), await page.screenshot({ fullPage: true }));
      console.log(
        `train page on ${backend}: ${wall} ms wall (8 training steps + 2 held-out evaluations ${Math.round(state.ms as number)} ms), ` +
          `loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, held-out Dice ${(state.dice as number).toFixed(3)}` +
          `${log.warnings.length > 0 ? `; page warnings: ${[...new Set(log.warnings)].join(' | ')}` : ''}`,
      );
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);

  it.each(BACKENDS)('augment: the same seed gives the same image and mask, another seed another, both drawn, on %s', async (backend) => {
    const started = Date.now();
    const { page, log } = await openPage(site!, `/augment/?backend=${backend}&transforms=flip,affine,elasticDeform,gaussianNoise,gamma&seed=1&slice=30`);
    try {
      const first = await waitForState(page, PAGE_LIMIT_MS, 'applied', 1);
      if (unavailable(backend, first)) return;
      expect(first.error).toBeUndefined();
      expect(first.backend).toBe(backend);
      expect(first.transforms).toEqual(['flip', 'affine', 'elasticDeform', 'gaussianNoise', 'gamma']);
      // The mask moves with the image: still a 0/1 mask covering about as much as the original.
      expect(first.maskIsBinary).toBe(true);
      const fraction = first.maskFraction as number;
      const original = first.originalMaskFraction as number;
      expect(original).toBeGreaterThan(0.1);
      expect(fraction).toBeGreaterThan(0.5 * original);
      expect(fraction).toBeLessThan(1.6 * original);
      const image = pixelStats(await page.locator('#image').screenshot());
      const mask = pixelStats(await page.locator('#mask').screenshot());
      expect(image.std).toBeGreaterThan(20);
      expect(image.levels).toBeGreaterThan(32);
      expect(mask.std).toBeGreaterThan(40);

      await page.fill('#seed', '2');
      await page.dispatchEvent('#seed', 'change');
      const second = await waitForState(page, PAGE_LIMIT_MS, 'applied', 2);
      expect(second.seed).toBe(2);
      expect(second.imageChecksum).not.toBe(first.imageChecksum);
      expect(second.maskChecksum).not.toBe(first.maskChecksum);

      await page.fill('#seed', '1');
      await page.click('#apply');
      const third = await waitForState(page, PAGE_LIMIT_MS, 'applied', 3);
      expect(third.imageChecksum).toBe(first.imageChecksum);
      expect(third.maskChecksum).toBe(first.maskChecksum);
      expect(log.errors).toEqual([]);
      await writeFile(join(site!.dir, `augment-${backend}.png`), await page.screenshot({ fullPage: true }));
      console.log(
        `augment page on ${backend}: ${Date.now() - started} ms wall for 3 applications (last ${Math.round(third.ms as number)} ms)` +
          `${log.warnings.length > 0 ? `; page warnings: ${[...new Set(log.warnings)].join(' | ')}` : ''}`,
      );
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);

  it.each(BACKENDS)('predict: the shipped model segments the bundled MRI by sliding windows to the stated Dice, the slider redraws, the mask downloads as NIfTI, on %s', async (backend) => {
    const started = Date.now();
    const { page, log } = await openPage(site!, `/predict/?backend=${backend}&slices=40-61&slice=5`);
    try {
      const state = await waitForState(page, PAGE_LIMIT_MS, 'runs', 1);
      const wall = Date.now() - started;
      if (unavailable(backend, state)) return;
      expect(state.error).toBeUndefined();
      expect(state.backend).toBe(backend);
      expect(state.shape).toEqual([64, 64, 22]);
      expect(state.slices).toEqual([40, 61]);
      expect(state.slice).toBe(45);
      expect(state.dice).toBeGreaterThanOrEqual(PREDICT_MIN_DICE);
      expect(state.hd95).toBeGreaterThan(0);
      expect(state.hd95).toBeLessThan(20);
      const before = pixelStats(await page.locator('#view').screenshot());
      expect(before.std).toBeGreaterThan(20);
      expect(before.levels).toBeGreaterThan(16);

      await page.locator('#slice').fill('15');
      await page.waitForFunction(() => window.unetKitExample.slice === 55);
      const after = pixelStats(await page.locator('#view').screenshot());
      expect(after.mean).not.toBe(before.mean);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      expect(download.suggestedFilename()).toBe('predicted-mask.nii.gz');
      const predicted = await readNifti(await readFile((await download.path())!));
      const truth = await readNifti(await readFile(join(dataDir, 'brain-mask-64.nii.gz')));
      // The slab of slices 40..61: its origin 40 slices of 3 mm up.
      expect(predicted.shape).toEqual([64, 64, 22]);
      expect(predicted.spacing).toEqual([4, 4, 3]);
      expect(predicted.affine[2]![3]! - truth.affine[2]![3]!).toBeCloseTo(120, 4);
      const offset = 40 * 64 * 64;
      let both = 0;
      let sum = 0;
      let notBinary = 0;
      for (let i = 0; i < predicted.data.length; i++) {
        if (predicted.data[i] !== 0 && predicted.data[i] !== 1) notBinary++;
        sum += predicted.data[i]! + truth.data[offset + i]!;
        both += predicted.data[i]! * truth.data[offset + i]!;
      }
      expect(notBinary).toBe(0);
      expect((2 * both) / sum).toBeCloseTo(state.dice as number, 4);
      expect(log.errors).toEqual([]);
      await writeFile(join(site!.dir, `predict-${backend}.png`), await page.screenshot({ fullPage: true }));
      console.log(
        `predict page on ${backend}: ${wall} ms wall (model load + sliding-window prediction of slices 40..61 + scores ${Math.round(state.ms as number)} ms), ` +
          `Dice ${(state.dice as number).toFixed(3)}, HD95 ${(state.hd95 as number).toFixed(2)} mm, download ${String(state.downloadBytes)} bytes` +
          `${log.warnings.length > 0 ? `; page warnings: ${[...new Set(log.warnings)].join(' | ')}` : ''}`,
      );
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);

  // On wasm 24-54 s with the control run, on a loaded 2-core machine; on SwiftShader's WebGPU
  // 84 s and WebGL 74 s (load average 4-8), the same figures; but WebGL had not finished in 15
  // minutes at load average 16-20 (the browser at nice 19: each Adam step 30-60 s). Both are past
  // the minute npm test may spend on it, so WebGL and WebGPU run only with
  // UNET_KIT_CORRECTION_GPU=1 (see correctionPage.ts).
  it.for(BACKENDS)('predict: erasing painted brain and fine-tuning with EWC + LwF moves the painted region and keeps the other slices\' Dice, on %s', { timeout: TEST_LIMIT_MS }, async (backend, { skip }) => {
    if (backend !== 'wasm' && process.env.UNET_KIT_CORRECTION_GPU !== '1') skip(`the correction case on ${backend} is opt-in (UNET_KIT_CORRECTION_GPU=1): SwiftShader takes minutes`);
    await correctionCase(site!, adapter, backend);
  });

  it('predict: opens files from the pickers and from a drop (the mask found by its name), on wasm', async () => {
    const { page, log } = await openPage(site!, '/predict/?backend=wasm');
    try {
      const first = await waitForState(page, PAGE_LIMIT_MS, 'runs', 1);
      expect(first.input).toBe('the bundled brain MRI');
      expect(first.shape).toEqual([64, 64, 62]);
      expect(first.dice).toBeGreaterThan(0.95);
      // The pickers: the mask first (nothing runs without an image), then the image.
      await page.setInputFiles('#maskFile', join(dataDir, 'brain-mask-64.nii.gz'));
      await page.setInputFiles('#imageFile', join(dataDir, 'brain-t1-64.nii.gz'));
      const picked = await waitForState(page, PAGE_LIMIT_MS, 'runs', 2);
      expect(picked.input).toBe('brain-t1-64.nii.gz');
      expect(picked.dice).toBeCloseTo(first.dice as number, 6);
      // A drop of the two files, mask first: the page tells them apart by name.
      await page.evaluate(async () => {
        const transfer = new DataTransfer();
        for (const name of ['brain-mask-64.nii.gz', 'brain-t1-64.nii.gz']) {
          const bytes = await (await fetch(`../data/${name}`)).arrayBuffer();
          transfer.items.add(new File([bytes], name));
        }
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      });
      const dropped = await waitForState(page, PAGE_LIMIT_MS, 'runs', 3);
      expect(dropped.input).toBe('brain-t1-64.nii.gz');
      expect(dropped.dice).toBeCloseTo(first.dice as number, 6);
      // An image alone: a prediction, no scores.
      await page.setInputFiles('#maskFile', []);
      const alone = await waitForState(page, PAGE_LIMIT_MS, 'runs', 4);
      expect(alone.dice).toBeUndefined();
      expect(await page.textContent('#metrics')).toMatch(/no mask given/);
      expect(log.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);

  it.each(BACKENDS)('volume3d: the 3D U-Net trains on patches, predicts by 3D sliding windows to the stated Dice, three planes drawn, on %s', async (backend) => {
    const started = Date.now();
    const { page, log } = await openPage(site!, `/volume3d/?backend=${backend}&${VOLUME_QUERY}`);
    try {
      const state = await waitForState(page, PAGE_LIMIT_MS);
      const wall = Date.now() - started;
      if (unavailable(backend, state)) return;
      expect(state.error).toBeUndefined();
      expect(state.backend).toBe(backend);
      const losses = state.losses as number[];
      expect(losses).toHaveLength(6);
      expect((losses[4]! + losses[5]!) / 2).toBeLessThan(0.85 * ((losses[0]! + losses[1]!) / 2));
      expect(state.dice).toBeGreaterThanOrEqual(VOLUME_MIN_DICE);
      for (const plane of ['#axial', '#coronal', '#sagittal']) {
        const stats = pixelStats(await page.locator(plane).screenshot());
        expect(stats.std, plane).toBeGreaterThan(20);
        expect(stats.levels, plane).toBeGreaterThan(16);
      }
      const drawn = state.drawn as number;
      await page.locator('#y').fill('10');
      await page.waitForFunction((before) => (window.unetKitExample.drawn as number) > before, drawn);
      expect(log.errors).toEqual([]);
      await writeFile(join(site!.dir, `volume3d-${backend}.png`), await page.screenshot({ fullPage: true }));
      console.log(
        `volume3d page on ${backend}: ${wall} ms wall (6 steps + 3D sliding-window prediction ${Math.round(state.ms as number)} ms), ` +
          `loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, held-out Dice ${(state.dice as number).toFixed(3)}` +
          `${log.warnings.length > 0 ? `; page warnings: ${[...new Set(log.warnings)].join(' | ')}` : ''}`,
      );
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);
});
