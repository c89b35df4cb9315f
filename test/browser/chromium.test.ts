// The Chromium inside the devDependency @sparticuz/chromium is what a fresh machine without
// Debian's package runs the browser suites on: it must launch and give WebGL2 and WebGPU.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER, type ChromiumChoice } from '../helpers/chromium.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';

describe.skipIf(SKIP_BROWSER)('Chromium from npm (@sparticuz/chromium)', () => {
  let browser: Browser | undefined;
  let choice: ChromiumChoice;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    ({ browser, choice } = await launchChromium('npm'));
    server = await startStaticServer({ files: new Map([['/', '<!doctype html><title>probe</title>']]), isolated: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('launches with playwright-core, is cross-origin isolated on 127.0.0.1, and has WebGL2 and a WebGPU adapter', async () => {
    expect(choice.source).toBe('@sparticuz/chromium');
    const page = await browser!.newPage();
    await page.goto(server!.origin);
    const probe = await page.evaluate(async () => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> } }).gpu;
      const adapter = gpu === undefined ? null : await gpu.requestAdapter();
      return {
        webgl2: gl !== null,
        renderer: gl !== null && info != null ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '',
        webgpu: adapter !== null,
        architecture: adapter?.info?.architecture ?? '',
        isolated: crossOriginIsolated,
      };
    });
    await page.close();
    console.log(`@sparticuz/chromium ${browser!.version()}: WebGL2 on "${probe.renderer}", WebGPU adapter "${probe.architecture}"`);
    expect(probe.webgl2).toBe(true);
    expect(probe.renderer).toMatch(/SwiftShader/i);
    expect(probe.webgpu).toBe(true);
    expect(probe.isolated).toBe(true);
  });
});
