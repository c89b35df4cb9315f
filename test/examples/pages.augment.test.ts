// The example-page build (docs/examples/build.ts, as `npm run docs` runs it) and the augmentation
// playground (docs/examples/augment) in headless Chromium on wasm, webgl and webgpu: the same seed
// gives the same image and mask, another seed another, both drawn, no console error.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../docs/examples/build.js';
import { SKIP_BROWSER } from '../helpers/chromium.js';
import { openPage, pixelStats, waitForState } from './examplePages.js';
import { BACKENDS, PAGE_LIMIT_MS, TEST_LIMIT_MS, useExampleSite, warningsNote } from './pageSuite.js';

describe.skipIf(SKIP_BROWSER)('the example-page build and the augmentation playground in headless Chromium', () => {
  // Every page is built here (the other files build only their own), for the build's own test.
  const suite = useExampleSite(EXAMPLES);

  it('builds each example page with its bundle, the data and the .wasm files', () => {
    const { site } = suite();
    expect(site.built.map((b) => b.name)).toEqual(['train', 'augment', 'predict', 'volume3d']);
    for (const { name, bundleBytes } of site.built) {
      expect(existsSync(join(site.dir, name, 'index.html'))).toBe(true);
      // tfjs-core, -layers, all four browser backends and the parts of unet-kit the page uses.
      expect(bundleBytes).toBeGreaterThan(500_000);
      expect(bundleBytes).toBeLessThan(3_000_000);
    }
    for (const file of ['data/brain-t1-64.nii.gz', 'data/brain-mask-64.nii.gz', 'data/README.md', 'data/brain-unet/model.json', 'wasm/tfjs-backend-wasm-threaded-simd.wasm']) {
      expect(existsSync(join(site.dir, file)), file).toBe(true);
    }
  });

  it.each(BACKENDS)('augment: the same seed gives the same image and mask, another seed another, both drawn, on %s', async (backend) => {
    const { site, unavailable } = suite();
    const started = Date.now();
    const { page, log } = await openPage(site, `/augment/?backend=${backend}&transforms=flip,affine,elasticDeform,gaussianNoise,gamma&seed=1&slice=30`);
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
      await writeFile(join(site.dir, `augment-${backend}.png`), await page.screenshot({ fullPage: true }));
      console.log(`augment page on ${backend}: ${Date.now() - started} ms wall for 3 applications (last ${Math.round(third.ms as number)} ms)${warningsNote(log.warnings)}`);
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);
});
