// Browser smoke test: the built ESM bundle of unet-kit in headless Chromium (Debian's or the one in
// @sparticuz/chromium, see test/helpers/chromium.ts; driven by playwright-core), backend
// auto-selection there, and a tiny conv net built with the layer table giving the Node outputs on
// webgl and wasm. Run after `npm run build`.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { groupNormalization } from '../../src/layers/groupNormalization.js';
import { instanceNormalization } from '../../src/layers/instanceNormalization.js';
import { spatialLayers } from '../../src/layers/spatial.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';
import { maxAbsDiff } from '../helpers/numeric.js';
import { bundlePageFiles } from '../helpers/bundlePage.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';
import { buildSmokeNet, smokeInput } from './smokeNet.js';

const root = join(import.meta.dirname, '..', '..');

// The page's entry: the built library (dist/index.js), tfjs and the browser backends, bundled by esbuild.
const ENTRY = `
  import * as tf from '@tensorflow/tfjs-core';
  import * as tfl from '@tensorflow/tfjs-layers';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-webgl';
  import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
  import * as kit from ${JSON.stringify(join(root, 'dist', 'index.js'))};
  import { buildSmokeNet, setWeightsFrom } from ${JSON.stringify(join(root, 'test', 'browser', 'smokeNet.ts'))};

  setWasmPaths(location.origin + '/');

  async function outputs(weights, inputs) {
    const result = {};
    for (const dims of [2, 3]) {
      const model = buildSmokeNet(kit, tfl, dims);
      setWeightsFrom(tf, model, weights[dims]);
      // Node's input values, not a recomputation: GPU sin() is less exact than the test's tolerance needs.
      const x = tf.tensor(inputs[dims].values, inputs[dims].shape);
      const y = model.predict(x);
      result[dims] = Array.from(await y.data());
      tf.dispose([x, y]);
      model.dispose();
    }
    return result;
  }

  window.smoke = async ({ weights, inputs }) => {
    const available = await kit.availableBackends();
    const auto = await kit.useBackend('auto');
    const webgpu = await kit.useBackend('webgpu').then((name) => name, (error) => error.message);
    const before = tf.memory().numTensors;
    const webgl = { backend: await kit.useBackend('webgl'), values: await outputs(weights, inputs) };
    const wasm = { backend: await kit.useBackend('wasm'), values: await outputs(weights, inputs) };
    return { available, auto, webgpu, webgl, wasm, leaked: tf.memory().numTensors - before, isNode: kit.isNode() };
  };
  window.smokeReady = true;
`;

describe.skipIf(SKIP_BROWSER)('browser smoke test (headless Chromium)', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let origin: string;

  beforeAll(async () => {
    const files = await bundlePageFiles(ENTRY);
    server = await startStaticServer({ files });
    origin = server.origin;
    ({ browser } = await launchChromium());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("loads the built bundle, ranks SwiftShader WebGL below wasm for 'auto', says a missing webgpu package is not installed, and matches Node's outputs on webgl and wasm within 1e-3", async () => {
    // Node reference on cpu, and the weights the page will use.
    await useBackend('cpu');
    const kit = { spatialLayers, groupNormalization, instanceNormalization };
    const weights: Record<number, number[][]> = {};
    const inputs: Record<number, { values: number[]; shape: number[] }> = {};
    const expected: Record<number, number[]> = {};
    for (const dims of [2, 3] as const) {
      const model = buildSmokeNet(kit, tfl, dims);
      weights[dims] = model.getWeights().map((w) => Array.from(w.dataSync()));
      const x = smokeInput(tf, dims);
      inputs[dims] = { values: Array.from(x.dataSync()), shape: x.shape };
      expected[dims] = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
      x.dispose();
      model.dispose();
    }

    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(origin);
    await page.waitForFunction(() => (window as unknown as { smokeReady?: boolean }).smokeReady === true, undefined, { timeout: 30_000 }).catch(() => {
      throw new Error(`the bundle did not load in Chromium: ${errors.join('; ') || 'no page error reported'}`);
    });
    const result = await page.evaluate(
      (w) => (window as unknown as { smoke: (w: unknown) => Promise<unknown> }).smoke(w),
      { weights, inputs },
    ) as {
      available: string[];
      auto: string;
      webgpu: string;
      webgl: { backend: string; values: Record<number, number[]> };
      wasm: { backend: string; values: Record<number, number[]> };
      leaked: number;
      isNode: boolean;
    };
    await page.close();

    expect(errors).toEqual([]);
    expect(result.isNode).toBe(false);
    // No webgpu package in the bundle; WebGL runs on SwiftShader (software), so it ranks below wasm.
    expect(result.available).toEqual(['wasm', 'webgl', 'cpu']);
    expect(result.auto).toBe('wasm');
    expect(result.webgpu).toBe(
      "useBackend: name is 'webgpu', but it is not installed: install @tensorflow/tfjs-backend-webgpu (npm install @tensorflow/tfjs-backend-webgpu), or use 'auto'.",
    );
    expect(result.webgl.backend).toBe('webgl');
    expect(result.wasm.backend).toBe('wasm');
    expect(result.leaked).toBe(0);
    for (const dims of [2, 3]) {
      for (const backend of ['webgl', 'wasm'] as const) {
        const values = result[backend].values[dims]!;
        expect(values.length, `${backend} ${dims}D output size`).toBe(expected[dims]!.length);
        const diff = maxAbsDiff(values, expected[dims]!);
        expect(diff, `${backend} ${dims}D max |browser - node| = ${diff}`).toBeLessThan(1e-3);
      }
    }
  });
});
