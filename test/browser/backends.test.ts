// useBackend / availableBackends in a real page (headless Chromium, SwiftShader for WebGL and
// WebGPU): a software GPU ranks below wasm, wasm is threaded when the page is cross-origin
// isolated, probing prints nothing, and each failure says which case it is. Run after `npm run build`.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';
import { bundlePageFiles } from '../helpers/bundlePage.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';

const root = join(import.meta.dirname, '..', '..');

// Every browser backend package is in the bundle; the page decides when to call setWasmPaths.
const ENTRY = `
  import * as tf from '@tensorflow/tfjs-core';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-webgl';
  import '@tensorflow/tfjs-backend-webgpu';
  import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
  import * as kit from ${JSON.stringify(join(root, 'dist', 'backend', 'index.js'))};

  async function attempt(name) {
    try {
      return await kit.useBackend(name);
    } catch (error) {
      return 'error: ' + error.message;
    }
  }

  window.probe = async ({ wasmPaths }) => {
    if (wasmPaths) setWasmPaths(location.origin + '/wasm/');
    const available = await kit.availableBackends();
    const auto = await attempt('auto');
    const threads = auto === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null;
    return { available, auto, threads, isolated: crossOriginIsolated, webgpu: await attempt('webgpu'), wasm: await attempt('wasm') };
  };
  window.probeReady = true;
`;

interface Probe {
  available: string[];
  auto: string;
  threads: boolean | null;
  isolated: boolean;
  webgpu: string;
  wasm: string;
}

describe.skipIf(SKIP_BROWSER)("useBackend('auto') and availableBackends in headless Chromium", () => {
  let browser: Browser | undefined;
  const servers: Record<'isolated' | 'plain', StaticServer | undefined> = { isolated: undefined, plain: undefined };

  beforeAll(async () => {
    const files = await bundlePageFiles(ENTRY, '/wasm/');
    servers.isolated = await startStaticServer({ files, isolated: true });
    servers.plain = await startStaticServer({ files });
    ({ browser } = await launchChromium());
  });

  afterAll(async () => {
    await browser?.close();
    await servers.isolated?.close();
    await servers.plain?.close();
  });

  async function probe(server: 'isolated' | 'plain', options: { wasmPaths: boolean; hideWebgpu?: boolean }): Promise<{ result: Probe; console: string[] }> {
    const page: Page = await browser!.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    // A browser without WebGPU: navigator.gpu is undefined there.
    if (options.hideWebgpu === true) await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await page.goto(servers[server]!.origin);
    await page.waitForFunction(() => (window as unknown as { probeReady?: boolean }).probeReady === true, undefined, { timeout: 30_000 });
    const result = (await page.evaluate((o) => (window as unknown as { probe: (o: unknown) => Promise<unknown> }).probe(o), options)) as Probe;
    await page.close();
    return { result, console: messages };
  }

  it('ranks SwiftShader WebGPU and WebGL below wasm, runs threaded wasm when isolated, and prints nothing', async () => {
    const { result, console: messages } = await probe('isolated', { wasmPaths: true });
    expect(messages).toEqual([]);
    expect(result.available).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(result.auto).toBe('wasm');
    expect(result.isolated).toBe(true);
    expect(result.threads).toBe(true);
    // Asked for by name, a software device is still used.
    expect(result.webgpu).toBe('webgpu');
  });

  it('runs single-threaded wasm on a page that is not cross-origin isolated', async () => {
    const { result, console: messages } = await probe('plain', { wasmPaths: true });
    expect(messages).toEqual([]);
    expect(result.isolated).toBe(false);
    expect(result.auto).toBe('wasm');
    expect(result.threads).toBe(false);
  });

  it("without setWasmPaths: lists no wasm without printing tfjs' warnings, 'auto' falls back to the GPU, 'wasm' says to call setWasmPaths", async () => {
    const { result, console: messages } = await probe('isolated', { wasmPaths: false });
    // The browser itself logs each 404; tfjs' and Emscripten's warnings are kept back.
    expect(messages.filter((m) => !/Failed to load resource: .*404/.test(m))).toEqual([]);
    expect(result.available).toEqual(['webgpu', 'webgl', 'cpu']);
    expect(result.auto).toBe('webgpu');
    expect(result.wasm).toMatch(
      /^error: useBackend: name is 'wasm', but @tensorflow\/tfjs-backend-wasm is installed but its \.wasm files were not found: call setWasmPaths\('\/path\/to\/wasm\/'\)/,
    );
  });

  it('tells a browser without navigator.gpu apart: tfjs-backend-webgpu registers nothing there, and the error says both causes', async () => {
    const { result, console: messages } = await probe('isolated', { wasmPaths: true, hideWebgpu: true });
    expect(messages).toEqual([]);
    expect(result.available).toEqual(['wasm', 'webgl', 'cpu']);
    expect(result.webgpu).toBe(
      "error: useBackend: name is 'webgpu', but it is not installed: install @tensorflow/tfjs-backend-webgpu " +
        '(npm install @tensorflow/tfjs-backend-webgpu) (or, if you import it, there is no WebGPU device here: ' +
        'navigator.gpu is undefined (WebGPU needs a secure context, https or localhost, and a browser with WebGPU enabled)), ' +
        "or use 'auto'.",
    );
  });
});
