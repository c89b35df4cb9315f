// The 3D example page (docs/examples/volume3d) for the files test/examples/pages.volume3d*.test.ts
// (WebGPU in a file of its own: on SwiftShader it is among the longest cases, and vitest's two
// workers run files, not tests, in parallel). At its smallest through its query parameters: the
// 3D U-Net's loss falls on patches, the 3D sliding-window prediction reaches the stated held-out
// Dice, the three planes are drawn and redrawn, no console error. Prints the wall time per backend.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKIP_BROWSER } from '../helpers/chromium.js';
import { openPage, pixelStats, waitForState } from './examplePages.js';
import { PAGE_LIMIT_MS, TEST_LIMIT_MS, useExampleSite, warningsNote, type PageBackend } from './pageSuite.js';

// The 3D page at its smallest: in-plane 32, 16^3 patches, filters [4, 8], 2 patches a step, 6
// steps at 1e-2, then 3D sliding windows over the whole 62 x 32 x 32 volume. On wasm: loss
// 1.27 -> 0.74, held-out Dice 0.49; the test asks for 0.35 (a larger run, the page's default, does far better).
const VOLUME_QUERY = 'steps=6&size=32&patch=16&filters=4,8&batch=2&lr=0.01&autostart=1';
const VOLUME_MIN_DICE = 0.35;

/** The 3D page's test on each of `backends`, in one file's browser. */
export function describeVolume3dPage(backends: readonly PageBackend[]): void {
  describe.skipIf(SKIP_BROWSER)(`the 3D example page in headless Chromium on ${backends.join(', ')}`, () => {
    const suite = useExampleSite(['volume3d']);

    it.each(backends)('volume3d: the 3D U-Net trains on patches, predicts by 3D sliding windows to the stated Dice, three planes drawn, on %s', async (backend) => {
      const { site, unavailable } = suite();
      const started = Date.now();
      const { page, log } = await openPage(site, `/volume3d/?backend=${backend}&${VOLUME_QUERY}`);
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
        await writeFile(join(site.dir, `volume3d-${backend}.png`), await page.screenshot({ fullPage: true }));
        console.log(
          `volume3d page on ${backend}: ${wall} ms wall (6 steps + 3D sliding-window prediction ${Math.round(state.ms as number)} ms), ` +
            `loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, held-out Dice ${(state.dice as number).toFixed(3)}${warningsNote(log.warnings)}`,
        );
      } finally {
        await page.close();
      }
    }, TEST_LIMIT_MS);
  });
}
