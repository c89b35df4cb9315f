// Interactive correction on the predict page (docs/examples/predict), the second half of a
// backend's predict case (test/examples/predictPage.ts), on the same page: the slab changes to 5
// slices in the page's slices field, so the model and the kernels tfjs compiled for the first
// prediction stay (compiling them is most of a page's time on SwiftShader's WebGL and WebGPU).
// The mouse erases a disc of what the model predicts as brain on one slice, "Fine-tune" trains
// the model a few steps in the page on the painted voxels with EWC and LwF, and the page predicts
// again. The painted region moves to the correction while the Dice on the unpainted slices barely
// moves; on wasm a control run without EWC or LwF drifts further. Undo and clear of the brush, no
// console error, the canvas not blank.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { CorrectionScores } from '../../docs/examples/predict/correction.js';
import { pixelStats, readState, waitForState, type ExampleSite, type PageLog } from './examplePages.js';
import { PAGE_LIMIT_MS } from './pageSuite.js';

// A 5-slice slab (axial 43..47, all held out from training), the correction on slice 45; the
// Fisher information on 3 of its slices (the `fisher` query parameter, read when the page
// loads); the page's default fine-tuning (8 Adam steps at 3e-3, LwF weight 200, EWC lambda 3e8).
export const CORRECTION_QUERY = 'fisher=3';
const SLAB = '43-47';
// The erase stroke, in voxels (y, x) of the 64 x 64 slice: a radius-3 brush dragged across the
// right part of the brain, which the shipped model predicts as brain throughout.
export const STROKE: ReadonlyArray<readonly [number, number]> = [
  [29, 38],
  [30, 40],
  [31, 42],
];
/** The Dice on the unpainted slices may move by at most this with EWC + LwF. */
const MAX_DICE_CHANGE = 0.02;

interface Correction {
  guard: string;
  slices: number[];
  before: CorrectionScores;
  after: CorrectionScores;
  losses: Array<[number, number]>;
  tuneMs: number;
  ms: number;
}

/** Drags the brush through `points` (voxels) on the page's #view canvas. */
export async function stroke(page: Page, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const box = (await page.locator('#view').boundingBox())!;
  const at = ([y, x]: readonly [number, number]): [number, number] => [box.x + ((x + 0.5) * box.width) / 64, box.y + ((y + 0.5) * box.height) / 64];
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
  await page.mouse.up();
}

/**
 * The correction case on `backend`, on `page`: the predict page, loaded with
 * {@link CORRECTION_QUERY}, after its first prediction. Predicts the 5-slice slab, paints,
 * fine-tunes, asserts the figures above (and on wasm the control without EWC or LwF), prints them.
 */
export async function correctionCase(site: ExampleSite, page: Page, log: PageLog, backend: string): Promise<void> {
  const started = Date.now();
  const runs = (await readState(page)).runs as number;
  await page.fill('#slices', SLAB);
  await page.dispatchEvent('#predict', 'click');
  const loaded = await waitForState(page, PAGE_LIMIT_MS, 'runs', runs + 1);
  const slabMs = Date.now() - started;
  expect(loaded.error).toBeUndefined();
  expect(loaded.backend).toBe(backend);
  expect(loaded.slices).toEqual([43, 47]);
  // The slider pointed past the 5 slices: the slab's middle.
  expect(loaded.slice).toBe(45);

  // The brush: a stroke paints, undo takes it back, clear empties; then the real stroke.
  await stroke(page, [
    [10, 10],
    [12, 14],
  ]);
  expect((await readState(page)).painted).toBeGreaterThan(10);
  await page.click('#undo');
  expect((await readState(page)).painted).toBe(0);
  await stroke(page, STROKE);
  const painted = (await readState(page)).painted as number;
  // A radius-3 brush (a disc of 21 voxels) swept over about 4.5 voxels.
  expect(painted).toBeGreaterThan(30);
  expect(painted).toBeLessThan(90);
  const drawn = pixelStats(await page.locator('#view').screenshot());
  expect(drawn.std).toBeGreaterThan(20);
  expect(drawn.levels).toBeGreaterThan(16);

  // A dispatched click, not a mouse one: the mouse's waits for the renderer's input
  // acknowledgement, which on WebGL waits for the training shaders' synchronous compilation.
  await page.dispatchEvent('#finetune', 'click');
  const tuned = await waitForState(page, PAGE_LIMIT_MS, 'finetunes', 1);
  const wall = Date.now() - started;
  expect(tuned.error).toBeUndefined();
  const guarded = tuned.correction as Correction;
  expect(guarded.guard).toBe('ewc+lwf');
  expect(guarded.slices).toEqual([45]);
  expect(guarded.before.erased).toBe(painted);
  expect(guarded.before.added).toBe(0);
  expect(guarded.losses).toHaveLength(8);
  // The painted voxels' loss falls; the EWC + LwF term is positive once the weights moved.
  expect(guarded.losses.at(-1)![0]).toBeLessThan(0.5 * guarded.losses[0]![0]);
  expect(guarded.losses.at(-1)![1]).toBeGreaterThan(0);
  expect(guarded.before.erasedPredicted).toBeGreaterThan(0.9);
  expect(guarded.after.erasedPredicted).toBeLessThan(0.5);
  const change = guarded.after.unpaintedDice! - guarded.before.unpaintedDice!;
  expect(guarded.before.unpaintedDice).toBeGreaterThan(0.85);
  expect(Math.abs(change)).toBeLessThanOrEqual(MAX_DICE_CHANGE);
  expect(await page.textContent('#correction')).toMatch(/erased \d+ voxels: predicted brain \d+% -> \d+%/);
  const after = pixelStats(await page.locator('#view').screenshot());
  expect(after.std).toBeGreaterThan(20);
  expect(after.levels).toBeGreaterThan(16);

  let control = '';
  if (backend === 'wasm') {
    // The control: the original weights back, the same paint, fine-tuned with nothing to keep.
    await page.dispatchEvent('#reset', 'click');
    const reset = await waitForState(page, PAGE_LIMIT_MS, 'resets', 1);
    expect(reset.dice).toBeCloseTo(loaded.dice as number, 6);
    await page.selectOption('#guard', 'none');
    await page.dispatchEvent('#finetune', 'click');
    const bare = (await waitForState(page, PAGE_LIMIT_MS, 'finetunes', 2)).correction as Correction;
    expect(bare.guard).toBe('none');
    expect(bare.before.unpaintedDice).toBeCloseTo(guarded.before.unpaintedDice!, 6);
    expect(bare.after.erasedPredicted).toBeLessThan(0.5);
    const drift = bare.after.unpaintedDice! - bare.before.unpaintedDice!;
    expect(drift).toBeLessThan(-0.05);
    expect(Math.abs(drift)).toBeGreaterThan(3 * Math.abs(change));
    control = `; control without EWC or LwF: erased ${bare.after.erasedPredicted.toFixed(3)}, unpainted Dice ${bare.before.unpaintedDice!.toFixed(4)} -> ${bare.after.unpaintedDice!.toFixed(4)} (${drift.toFixed(4)})`;
  }
  await page.click('#clear');
  expect((await readState(page)).painted).toBe(0);
  expect(log.errors).toEqual([]);
  await writeFile(join(site.dir, `correction-${backend}.png`), await page.screenshot({ fullPage: true }));
  console.log(
    `correction on ${backend}: ${wall} ms wall to the first fine-tuned prediction (the slab predicted in ${slabMs} ms, fine-tune ${Math.round(guarded.tuneMs)} ms, with the new prediction ${Math.round(guarded.ms)} ms), ` +
      `${painted} voxels erased: predicted brain ${guarded.before.erasedPredicted.toFixed(3)} -> ${guarded.after.erasedPredicted.toFixed(3)}, ` +
      `unpainted Dice ${guarded.before.unpaintedDice!.toFixed(4)} -> ${guarded.after.unpaintedDice!.toFixed(4)} (${change.toFixed(4)}), ` +
      `loss ${guarded.losses[0]![0].toFixed(3)} -> ${guarded.losses.at(-1)![0].toFixed(3)} (EWC + LwF ${guarded.losses.at(-1)![1].toFixed(3)})${control}; total ${Date.now() - started} ms` +
      `${log.warnings.length > 0 ? `; page warnings: ${[...new Set(log.warnings)].join(' | ')}` : ''}`,
  );
}
