// The browser bench (bench/browser.ts) can't rot: its page builds from dist/, loads in headless
// Chromium and runs one tiny forward and train step on wasm, single-threaded on a plain page and
// threaded on a cross-origin isolated one, with rows in the bench's JSON shape and no leaked tensors.
// Run after `npm run build`.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBenchPage, runCaseInPage, startBenchServers, type BenchServers } from '../../bench/browser.js';
import type { BrowserCaseArgs } from '../../bench/browserPage.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';

// 2 levels (2 and 4 filters) on one 16x16x1 image: a page load and a step take seconds.
const TINY: BrowserCaseArgs = { net: 'tiny', spec: { spatialDims: 2, size: 16, batch: 1, filters: [2, 4] }, backend: 'wasm', reps: 1, forward: true, train: true };

describe.skipIf(SKIP_BROWSER)('browser bench page (headless Chromium)', () => {
  let browser: Browser | undefined;
  let servers: BenchServers | undefined;

  beforeAll(async () => {
    servers = await startBenchServers(await buildBenchPage());
    ({ browser } = await launchChromium());
  });

  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('times a tiny forward and train step on one wasm thread on a plain page', async () => {
    const row = await runCaseInPage(browser!, servers!.plain.origin, TINY, 60_000);
    expect(row.error).toBeUndefined();
    expect(row).toMatchObject({ net: 'tiny', backend: 'chromium wasm', kernels: true, input: [1, 16, 16, 1], crossOriginIsolated: false, threads: 1, wasmMultithread: false, leakedTensors: 0 });
    expect(row.forwardMs).toBeGreaterThan(0);
    expect(row.trainStepMs).toBeGreaterThan(0);
    // Multiply-adds of the 3x3 convs (1->2, 2->2 at 16^2; 2->4, 4->4 at 8^2; 4->2, 2->2 at 16^2
    // after the skip concat), the 2x2 stride-2 transposed conv 4->2 (per input pixel) and the 1x1 head.
    const full = 16 * 16;
    const half = 8 * 8;
    const macs = full * 9 * (1 * 2 + 2 * 2) + half * 9 * (2 * 4 + 4 * 4) + half * 4 * 4 * 2 + full * 9 * (4 * 2 + 2 * 2) + full * 2 * 1;
    expect(row.forwardGflop).toBe(+((2 * macs) / 1e9).toFixed(3));
    expect(row.wasmHeapMb).toBeGreaterThan(0);
  });

  it("runs tfjs' threaded wasm on the cross-origin isolated page and reports its thread count", async () => {
    const row = await runCaseInPage(browser!, servers!.isolated.origin, { ...TINY, threads: 2 }, 60_000);
    expect(row.error).toBeUndefined();
    expect(row).toMatchObject({ backend: 'chromium wasm', crossOriginIsolated: true, wasmMultithread: true, threads: 2, leakedTensors: 0 });
    expect(row.trainStepMs).toBeGreaterThan(0);
  });

  it('turns a case that runs too long into an error row instead of hanging the bench', async () => {
    const row = await runCaseInPage(browser!, servers!.plain.origin, { ...TINY, reps: 50 }, 1);
    expect(row).toEqual({ net: 'tiny', backend: 'chromium wasm', kernels: true, error: 'timed out after 0 s' });
  });
});
