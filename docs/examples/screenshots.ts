// Takes the screenshots the docs show (docs/examples/screenshots/*.png): each example page built
// from dist/ and run in headless Chromium on wasm at its real size. `npm test` never writes here;
// run this after `npm run build`: node --import tsx docs/examples/screenshots.ts [name...] (the
// names given, e.g. `predict correction`, or all).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { STROKE, stroke } from '../../test/examples/correctionPage.js';
import { openExampleSite, openPage, waitForState } from '../../test/examples/examplePages.js';

const out = join(fileURLToPath(new URL('.', import.meta.url)), 'screenshots');

/**
 * Each page as a visitor would see it, at sizes a loaded 2-core machine finishes in minutes (the
 * pages' defaults, 300 steps of a [8, 16, 32] U-Net, are sized for a real GPU or many cores).
 */
const SHOTS: ReadonlyArray<{ name: string; path: string; counter: string | undefined; act?: (page: Page) => Promise<string> }> = [
  { name: 'train', path: '/train/?backend=wasm&steps=60&filters=4,8,16&batch=4&lr=0.01&evalEvery=5&autostart=1', counter: undefined },
  { name: 'augment', path: '/augment/?backend=wasm&transforms=flip,affine,elasticDeform,gaussianNoise,gamma&seed=3&slice=30', counter: 'applied' },
  { name: 'predict', path: '/predict/?backend=wasm&slice=45', counter: 'runs' },
  // The test's erase stroke on slice 45 of the whole volume, fine-tuned with EWC + LwF.
  {
    name: 'correction',
    path: '/predict/?backend=wasm&slice=45',
    counter: 'runs',
    act: async (page) => {
      await stroke(page, STROKE);
      await page.dispatchEvent('#finetune', 'click');
      await waitForState(page, 600_000, 'finetunes', 1);
      return (await page.textContent('#correction')) ?? '';
    },
  },
  { name: 'volume3d', path: '/volume3d/?backend=wasm&steps=40&patch=16&filters=4,8&batch=2&lr=0.01&autostart=1', counter: undefined },
];
const only = process.argv.slice(2);

const site = await openExampleSite();
try {
  for (const { name, path, counter, act } of SHOTS.filter((shot) => only.length === 0 || only.includes(shot.name))) {
    const started = Date.now();
    const { page, log } = await openPage(site, path);
    let state = await waitForState(page, 600_000, counter, 1);
    const acted = act === undefined ? '' : ` (${await act(page)})`;
    state = await waitForState(page, 600_000);
    if (state.status === 'error' || log.errors.length > 0) throw new Error(`${name}: ${state.error ?? log.errors.join(' | ')}`);
    await writeFile(join(out, `${name}.png`), await page.screenshot({ fullPage: true }));
    const dice = typeof state.dice === 'number' ? `, Dice ${state.dice.toFixed(3)}` : '';
    console.log(`${name}: ${Date.now() - started} ms on ${String(state.backend)}${dice}${acted} -> docs/examples/screenshots/${name}.png`);
    await page.close();
  }
} finally {
  await site.close();
}
