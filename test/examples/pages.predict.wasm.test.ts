// The predict example page and its interactive correction in headless Chromium on wasm (see
// predictPage.ts), and the page's file pickers and drag-and-drop.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openPage, waitForState } from './examplePages.js';
import { dataDir, PAGE_LIMIT_MS, TEST_LIMIT_MS } from './pageSuite.js';
import { describePredictPage } from './predictPage.js';

describePredictPage('wasm', (site) => {
  it('predict: opens files from the pickers and from a drop (the mask found by its name), on wasm', async () => {
    const { page, log } = await openPage(site(), '/predict/?backend=wasm');
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
      // The slices field: another slab of the same volume, predicted in the same page.
      await page.fill('#slices', '40-61');
      await page.dispatchEvent('#slices', 'change');
      const slab = await waitForState(page, PAGE_LIMIT_MS, 'runs', 5);
      expect(slab.slices).toEqual([40, 61]);
      expect(slab.shape).toEqual([64, 64, 22]);
      await page.fill('#slices', '9-x');
      await page.dispatchEvent('#slices', 'change');
      await page.waitForFunction(() => window.unetKitExample.status === 'error');
      expect(await page.textContent('#status')).toMatch(/axial slices 9-x: expected a range like 40-61/);
      expect(log.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, TEST_LIMIT_MS);
});
