// Every architecture factory of unet-kit/models (test/browser/factoryCases.ts), 2D and 3D, in
// headless Chromium on wasm, webgl and webgpu against Node's cpu backend: each model is built in
// Node, its weights, input and target go to the page, which builds the same model from the
// built package (dist/), sets those weights and runs test/browser/factoryRun.ts: an inference
// forward pass and SGD steps. Outputs, losses and the weight change of the steps must agree
// with Node within the tolerances below. One page per backend, all cases in one evaluate call.
// Run after `npm run build` (npm test does).
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import * as models from '../../src/models/index.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';
import { maxAbsDiff } from '../helpers/numeric.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';
import { kerasMobileNetV2 } from '../models/kerasBackbones.js';
import { factoryCases, type FactoryKit } from './factoryCases.js';
import { runCase, type CaseData, type CaseResult } from './factoryRun.js';

const root = join(import.meta.dirname, '..', '..');
const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
type Browserbackend = (typeof BACKENDS)[number];

/**
 * Tolerances against Node's cpu backend, all float32. `output`: max |browser - node| of the
 * inference probabilities. `loss`: max relative difference of each step's loss. `delta`: the
 * weight change of the SGD steps, max |delta browser - delta node| over max |delta node|, per
 * model (loose: two steps of float noise through batch statistics and attention).
 */
export const TOLERANCES: Record<Browserbackend, { output: number; loss: number; delta: number }> = {
  wasm: { output: 1e-4, loss: 1e-4, delta: 1e-2 },
  webgl: { output: 1e-3, loss: 1e-3, delta: 5e-2 },
  webgpu: { output: 1e-3, loss: 1e-3, delta: 5e-2 },
};

// A page per backend runs every case in one call; SwiftShader's WebGL and WebGPU are slow.
const PAGE_LIMIT_MS = 240_000;

const ENTRY = `
  import * as tf from '@tensorflow/tfjs-core';
  import * as tfl from '@tensorflow/tfjs-layers';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-webgl';
  import '@tensorflow/tfjs-backend-webgpu';
  import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
  import * as kit from ${JSON.stringify(join(root, 'dist', 'index.js'))};
  import { factoryCases } from ${JSON.stringify(join(root, 'test', 'browser', 'factoryCases.ts'))};
  import { runCase } from ${JSON.stringify(join(root, 'test', 'browser', 'factoryRun.ts'))};
  import { kerasMobileNetV2 } from ${JSON.stringify(join(root, 'test', 'models', 'kerasBackbones.ts'))};

  setWasmPaths(location.origin + '/');
  const factoryKit = { models: kit, mobileNetV2: (shape) => kerasMobileNetV2(shape) };

  window.runFactories = async (backend) => {
    const started = performance.now();
    const name = await kit.useBackend(backend);
    const cases = await (await fetch('/cases.json')).json();
    const results = [];
    const errors = [];
    for (const data of cases) {
      const spec = factoryCases('').find((c) => c.name === data.name);
      try {
        results.push(await runCase(tf, () => {
          const model = spec.build(factoryKit);
          return { model, owned: spec.owned?.(model) ?? [] };
        }, data));
      } catch (error) {
        errors.push(error.message);
      }
    }
    return { backend: name, results, errors, ms: performance.now() - started };
  };
  window.factoriesReady = true;
`;

interface PageRun {
  backend: string;
  results: CaseResult[];
  errors: string[];
  ms: number;
}

/** Seeded input and one-hot target of the model's shapes. */
function caseData(name: string, model: ReturnType<FactoryKit['mobileNetV2']>, batch: number): CaseData {
  const inShape = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const outShape = [batch, ...(model.outputs[0]!.shape.slice(1) as number[])];
  const classes = outShape[outShape.length - 1]!;
  return tf.tidy(() => {
    const x = tf.randomNormal(inShape, 0, 1, 'float32', 1);
    const target = tf.cast(tf.oneHot(tf.randomUniform(outShape.slice(0, -1), 0, classes, 'int32', 2), classes), 'float32');
    return {
      name,
      weights: model.getWeights().map((w) => Array.from(w.dataSync())),
      x: { values: Array.from(x.dataSync()), shape: inShape },
      target: { values: Array.from(target.dataSync()), shape: outShape },
    };
  });
}

/** max |a - b| / max(|b|, tiny) over a list of arrays. */
function relative(a: number[][], b: number[][]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((values, i) => {
    diff = Math.max(diff, maxAbsDiff(values, b[i]!));
    for (const v of b[i]!) scale = Math.max(scale, Math.abs(v));
  });
  return diff / Math.max(scale, 1e-12);
}

const minus = (a: number[][], b: number[][]): number[][] => a.map((values, i) => values.map((v, j) => v - b[i]![j]!));

describe.skipIf(SKIP_BROWSER)('every model factory in headless Chromium agrees with Node (wasm, webgl, webgpu)', () => {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  let noChromium: string | undefined;
  const cases: CaseData[] = [];
  const reference = new Map<string, CaseResult>();

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const started = Date.now();
    await useBackend('cpu');
    const kit: FactoryKit = { models, mobileNetV2: (shape) => kerasMobileNetV2(shape) };
    for (const spec of factoryCases()) {
      const build = () => {
        const model = spec.build(kit);
        return { model, owned: spec.owned?.(model) ?? [] };
      };
      const first = build();
      cases.push(caseData(spec.name, first.model, spec.batch ?? 2));
      for (const model of [first.model, ...first.owned]) model.dispose();
      // A fresh build, as the page makes its own.
      reference.set(spec.name, await runCase(tf, build, cases[cases.length - 1]!));
    }
    const nodeMs = Date.now() - started;
    const bundled = await build({
      stdin: { contents: ENTRY, resolveDir: root, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    const files = new Map<string, Buffer | string>([
      ['/', '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>'],
      ['/bundle.js', bundled.outputFiles[0]!.text],
      ['/cases.json', JSON.stringify(cases)],
    ]);
    for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      files.set(`/${name}`, await readFile(join(wasmDir, name)));
    }
    server = await startStaticServer({ files, isolated: true });
    try {
      ({ browser } = await launchChromium(undefined, ['--disable-gpu-watchdog']));
    } catch (error) {
      noChromium = error instanceof Error ? error.message : String(error);
    }
    console.log(`factories: ${cases.length} cases, Node cpu reference ${(nodeMs / 1000).toFixed(1)} s`);
  }, PAGE_LIMIT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const backend of BACKENDS) it(`${backend}: forward outputs, step losses and weight changes match Node`, async (context) => {
    if (browser === undefined) {
      console.log(`factories on ${backend} skipped: no Chromium can be launched here (${noChromium})`);
      context.skip();
    }
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Error while parsing WGSL|is invalid due to a previous error/.test(message.text())) errors.push(message.text());
    });
    try {
      await page.goto(server!.origin);
      await page.waitForFunction(() => (window as unknown as { factoriesReady?: boolean }).factoriesReady === true, undefined, { timeout: 30_000 });
      if (backend === 'webgpu') {
        const adapter = await page.evaluate(async () => {
          const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
          return gpu !== undefined && (await gpu.requestAdapter()) !== null;
        });
        if (!adapter) {
          console.log('factories on webgpu skipped: this Chromium gives WebGPU no adapter');
          context.skip();
        }
      }
      const run = (await page.evaluate((name) => (window as unknown as { runFactories: (b: string) => Promise<unknown> }).runFactories(name), backend)) as PageRun;
      const tolerance = TOLERANCES[backend];
      const rows: string[] = [];
      let worst = { output: 0, loss: 0, delta: 0 };
      const failures: string[] = [...run.errors];
      for (const result of run.results) {
        const node = reference.get(result.name)!;
        const data = cases.find((c) => c.name === result.name)!;
        const output = maxAbsDiff(result.output, node.output);
        const loss = Math.max(...result.losses.map((l, i) => Math.abs(l - node.losses[i]!) / Math.abs(node.losses[i]!)));
        const delta = relative(minus(result.weights, data.weights), minus(node.weights, data.weights));
        worst = { output: Math.max(worst.output, output), loss: Math.max(worst.loss, loss), delta: Math.max(worst.delta, delta) };
        rows.push(`${result.name}: output ${output.toExponential(1)}, loss ${loss.toExponential(1)}, delta ${delta.toExponential(1)}, ${(result.ms / 1000).toFixed(1)} s`);
        if (result.output.length !== node.output.length || !(output <= tolerance.output)) failures.push(`${result.name}: output differs by ${output}`);
        if (!(loss <= tolerance.loss)) failures.push(`${result.name}: losses ${result.losses.join(', ')} vs Node ${node.losses.join(', ')}`);
        if (!(delta <= tolerance.delta)) failures.push(`${result.name}: weight change differs by ${delta} (relative)`);
        if (result.leaked !== 0) failures.push(`${result.name}: leaked ${result.leaked} tensors`);
      }
      console.log(
        `factories on ${run.backend}: ${run.results.length} cases in ${(run.ms / 1000).toFixed(1)} s; worst output ${worst.output.toExponential(2)}, ` +
          `loss ${worst.loss.toExponential(2)}, delta ${worst.delta.toExponential(2)}\n  ${rows.join('\n  ')}`,
      );
      expect(run.backend).toBe(backend);
      expect(failures).toEqual([]);
      expect(run.results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, PAGE_LIMIT_MS);
});
