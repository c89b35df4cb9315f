// Drives the live example pages (docs/examples) in headless Chromium for the end-to-end tests and
// for docs/examples/screenshots.ts: builds them from dist/ into a folder, serves it with the
// cross-origin isolation headers, opens a page and waits for its `window.unetKitExample` state.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { buildExamples, type BuiltExample, type ExampleName } from '../../docs/examples/build.js';
import type { ExampleState } from '../../docs/examples/shared/page.js';
import { launchChromium } from '../helpers/chromium.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';

/**
 * Chromium restarts a GPU process that looks hung, and SwiftShader kernels on a loaded 2-core
 * machine can take seconds each: the watchdog is off so a slow run is not a lost device. (The
 * device losses first seen here, "mapAsync: A valid external Instance reference no longer
 * exists", came from tfjs' synchronous WebGPU read instead; see docs/examples/shared/score.ts.)
 */
const EXTRA_ARGS = ['--disable-gpu-watchdog'];

export interface ExampleSite {
  browser: Browser;
  server: StaticServer;
  built: BuiltExample[];
  /** The temporary folder the pages were built into. */
  dir: string;
  close(): Promise<void>;
}

/** Builds the examples (all, or `only` these) into a temporary folder, serves it (isolated) and launches Chromium. */
export async function openExampleSite(only?: readonly ExampleName[]): Promise<ExampleSite> {
  const dir = await mkdtemp(join(tmpdir(), 'unet-kit-examples-'));
  const built = await buildExamples(dir, { only });
  const server = await startStaticServer({ directory: dir, isolated: true });
  const { browser } = await launchChromium(undefined, EXTRA_ARGS);
  return {
    browser,
    server,
    built,
    dir,
    close: async () => {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What a page printed: console messages by type, page errors, requests that failed. */
export interface PageLog {
  errors: string[];
  warnings: string[];
}

// Chromium's own GL driver notes (SwiftShader's "GPU stall due to ReadPixels"), not the page's.
const BROWSER_NOISE = /GL Driver Message/;
// WebGPU validation errors arrive as warnings; each means a kernel did not run.
const WEBGPU_ERROR = /Error while parsing WGSL|is invalid due to a previous error/;

/** Opens `path` and records its console; `viewport` defaults to 1100 x 900. */
export async function openPage(site: ExampleSite, path: string): Promise<{ page: Page; log: PageLog }> {
  const page = await site.browser.newPage({ viewport: { width: 1100, height: 900 } });
  const log: PageLog = { errors: [], warnings: [] };
  page.on('console', (message) => {
    if (BROWSER_NOISE.test(message.text())) return;
    if (message.type() === 'error' || WEBGPU_ERROR.test(message.text())) log.errors.push(message.text());
    else if (message.type() === 'warning') log.warnings.push(message.text());
  });
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => log.errors.push(`request failed: ${request.url()}`));
  await page.goto(`${site.server.origin}${path}`);
  return { page, log };
}

/** The page's example state. */
export function readState(page: Page): Promise<ExampleState> {
  return page.evaluate(() => window.unetKitExample);
}

/** Waits until the status is `error`, or `done` with `state[counter] >= atLeast` (when given), and returns the state. */
export async function waitForState(page: Page, timeoutMs: number, counter?: string, atLeast = 0): Promise<ExampleState> {
  await page.waitForFunction(
    ([key, least]) => {
      const state = window.unetKitExample as ExampleState | undefined;
      if (state === undefined) return false;
      return state.status === 'error' || (state.status === 'done' && (key === null || Number(state[key]) >= least));
    },
    [counter ?? null, atLeast] as const,
    { timeout: timeoutMs, polling: 250 },
  );
  return readState(page);
}

/** Grey-level statistics of a PNG (a screenshot): mean, standard deviation, distinct grey levels. */
export function pixelStats(png: Buffer): { mean: number; std: number; levels: number; width: number; height: number } {
  const image = PNG.sync.read(png);
  const levels = new Set<number>();
  let sum = 0;
  let sumSq = 0;
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const grey = (image.data[4 * i]! + image.data[4 * i + 1]! + image.data[4 * i + 2]!) / 3;
    sum += grey;
    sumSq += grey * grey;
    levels.add(Math.round(grey));
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), levels: levels.size, width: image.width, height: image.height };
}

/** Whether this Chromium gives WebGPU an adapter on the site's origin (a secure context), and which. */
export async function webgpuAdapter(site: ExampleSite): Promise<string | null> {
  const page = await site.browser.newPage();
  try {
    await page.goto(`${site.server.origin}/shared/style.css`);
    return await page.evaluate(async () => {
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string; vendor?: string } } | null> } }).gpu;
      if (gpu === undefined) return null;
      const adapter = await gpu.requestAdapter();
      return adapter === null ? null : `${adapter.info?.vendor ?? ''} ${adapter.info?.architecture ?? ''}`.trim() || 'unnamed adapter';
    });
  } finally {
    await page.close();
  }
}
