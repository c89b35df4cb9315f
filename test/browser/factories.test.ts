// Every architecture factory of unet-kit/models (test/browser/factoryCases.ts), 2D and 3D, in
// headless Chromium on wasm, webgl and webgpu against Node's cpu backend (Node's wasm for
// swinUNETR 3D, see its case): each model is built in Node, its weights, input and target go to
// the page, which builds the same model from the built package (dist/), sets those weights and
// runs test/browser/factoryRun.ts: an inference forward pass and SGD steps. Outputs, losses and
// the weight change of the steps must agree with Node within the tolerances below. One page per
// backend, all cases in one evaluate call; wasm runs every case, webgl and webgpu the cases
// whose `gpu` names them (UNET_KIT_FACTORIES_GPU=all: every case). Run after `npm run build` (npm test does).
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import * as models from '../../src/models/index.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';
import { maxAbsDiff } from '../helpers/numeric.js';
import { bundlePageFiles } from '../helpers/bundlePage.js';
import { startStaticServer, type StaticServer } from '../helpers/staticServer.js';
import { kerasMobileNetV2 } from '../models/kerasBackbones.js';
import { factoryCases, type FactoryKit } from './factoryCases.js';
import { PAD_CONSTANT, PAD_MIRROR, runCase, type CaseData, type CaseResult } from './factoryRun.js';

const root = join(import.meta.dirname, '..', '..');
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

// UNET_KIT_FACTORY_BACKENDS=webgpu (say) runs only those; UNET_KIT_FACTORIES_GPU=all runs every
// case on webgl and webgpu too (by default each runs the cases whose `gpu` names it, see factoryCases.ts).
const ONLY_BACKENDS = process.env.UNET_KIT_FACTORY_BACKENDS?.split(',');
const ALL_ON_GPU = process.env.UNET_KIT_FACTORIES_GPU === 'all' || (process.env.UNET_KIT_FACTORIES ?? '') !== '';

/**
 * tfjs flags the page sets before it picks each backend: none (useBackend sets WebGL's shape
 * uniforms and unpacked textures itself on a software renderer, see useSharedWebglPrograms).
 * Those flags without unet-kit's source-keyed program cache gave wrong numbers once every case
 * ran on one page: unetr 2D off by 0.90, swinUNet 2D 0.27, swinUNETR 2D 0.07, swinUNETR 3D
 * 9.6e-3, transUNet 2D 1.9e-3 (tfjs' key missed the texture layout of squeezed inputs).
 */
const PAGE_FLAGS: Partial<Record<Browserbackend, Record<string, boolean | number>>> = {};

// UNET_KIT_FACTORY_FLAGS='[{"WEBGL_PACK":false},{}]' (say): one test per set of extra tfjs flags,
// each on a fresh page (a fresh program cache), to time a flag against the default.
const FLAG_SETS = [JSON.parse(process.env.UNET_KIT_FACTORY_FLAGS ?? '{}') as Record<string, boolean | number> | Record<string, boolean | number>[]].flat();

// A page per backend runs every case in one call; SwiftShader's WebGL and WebGPU are slow.
// UNET_KIT_FACTORY_PAGE_LIMIT_S raises the limit (UNET_KIT_FACTORIES_GPU=all on a loaded machine).
const PAGE_LIMIT_MS = Number(process.env.UNET_KIT_FACTORY_PAGE_LIMIT_S ?? 600) * 1000;
const PROGRESS = (process.env.UNET_KIT_FACTORY_PROGRESS ?? '') !== '';

const ENTRY = `
  import * as tf from '@tensorflow/tfjs-core';
  import * as tfl from '@tensorflow/tfjs-layers';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-webgl';
  import '@tensorflow/tfjs-backend-webgpu';
  import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
  import * as kit from ${JSON.stringify(join(root, 'dist', 'index.js'))};
  import { factoryCases } from ${JSON.stringify(join(root, 'test', 'browser', 'factoryCases.ts'))};
  import { runCase, PAD_CONSTANT, PAD_MIRROR } from ${JSON.stringify(join(root, 'test', 'browser', 'factoryRun.ts'))};
  import { kerasMobileNetV2 } from ${JSON.stringify(join(root, 'test', 'models', 'kerasBackbones.ts'))};

  setWasmPaths(location.origin + '/');
  const factoryKit = { models: kit, mobileNetV2: (shape) => kerasMobileNetV2(shape) };

  window.runFactories = async (backend, names, flags) => {
    const started = performance.now();
    tf.env().setFlags(flags);
    const name = await kit.useBackend(backend);
    const faults = await checkFaults();
    const cases = (await (await fetch('/cases.json')).json()).filter((c) => names.includes(c.name));
    const results = [];
    const errors = [];
    for (const data of cases) {
      const spec = factoryCases('all').find((c) => c.name === data.name);
      try {
        results.push(await runCase(tf, () => {
          const model = spec.build(factoryKit);
          return { model, owned: spec.owned?.(model) ?? [] };
        }, data));
        // Progress, relayed by the test when UNET_KIT_FACTORY_PROGRESS is set (long GPU runs).
        console.log('factory case ' + data.name + ': ' + (results[results.length - 1].ms / 1000).toFixed(1) + ' s');
      } catch (error) {
        errors.push(error.message);
      }
    }
    // Distinct compiled programs (WebGL) or pipelines (WebGPU): SwiftShader's cost is mostly these.
    const engine = tf.backend();
    const programs = Object.keys(engine.binaryCache ?? engine.pipelineCache ?? {}).length;
    return { backend: name, faults, results, errors, programs, ms: performance.now() - started };
  };

  // The two WebGPU faults unet-kit fixed, checked on every backend (and the 3D 'same' padding of
  // every tfjs backend, at the end). On GPU-resident data (2560
  // values, above the size where tfjs-webgpu computes on the CPU): a bool -> float32 and an
  // int32 -> float32 cast summed over axis 0 (a Transpose of the cast tensor); confusionStats
  // and dice, then later reads (its synchronous label check lost the WebGPU device).
  async function checkFaults() {
    const x = tf.tidy(() => tf.reshape(tf.sub(tf.mod(tf.range(0, 2560, 1, 'int32'), 7), 3), [64, 40]));
    const sums = tf.tidy(() => [tf.sum(tf.cast(tf.greater(x, 0), 'float32'), 0), tf.sum(tf.cast(x, 'float32'), 0)]);
    const boolSum = Array.from(await sums[0].data());
    const intSum = Array.from(await sums[1].data());
    const probs = tf.tidy(() => tf.reshape(tf.div(tf.cast(tf.mod(tf.range(0, 2560, 1, 'int32'), 10), 'float32'), 9), [1, 64, 40, 1]));
    const truth = tf.tidy(() => tf.cast(tf.greaterEqual(probs, 0.3), 'float32'));
    const stats = kit.confusionStats(probs, truth);
    const counts = [Array.from(await stats.tp.data()), Array.from(await stats.fp.data()), Array.from(await stats.fn.data()), Array.from(await stats.tn.data())];
    const score = tf.tidy(() => kit.dice(stats));
    tf.dispose(stats);
    const dice = (await score.data())[0];
    const after = Array.from(await tf.tidy(() => tf.add(tf.slice(tf.reshape(x, [-1]), [0], [8]), 1)).data());
    tf.dispose([x, sums, probs, truth, score]);
    // 'same' 3D padding where the filter is smaller than the stride (tfjs pads -1 there): a 1x3x2
    // filter of ones at stride 2 over 1 + arange [1, 2, 3, 4, 1], and its input gradient; then a
    // 1x3x1 filter (tfjs-wasm's Conv2D, which unet-kit's wasm Conv3D folds to, gave zeros for a
    // one-column filter at width stride 2).
    const conv = tf.tidy(() => {
      const v = tf.reshape(tf.add(tf.range(0, 24), 1), [1, 2, 3, 4, 1]);
      const dy = tf.reshape(tf.range(1, 5), [1, 1, 2, 2, 1]);
      return [tf.ones([1, 3, 2, 1, 1]), tf.ones([1, 3, 1, 1, 1])].flatMap((f) => [
        tf.conv3d(v, f, [2, 2, 2], 'same'),
        tf.grad((a) => tf.sum(tf.mul(tf.conv3d(a, f, [2, 2, 2], 'same'), dy)))(v),
      ]);
    });
    const conv3dSame = Array.from(await conv[0].data());
    const conv3dSameGrad = Array.from(await conv[1].data());
    const conv3dNarrow = Array.from(await conv[2].data());
    const conv3dNarrowGrad = Array.from(await conv[3].data());
    tf.dispose(conv);
    // A rank-5 tensor plus a short rank-1 one (a bias add): tfjs-webgpu's shader for it did not compile.
    const biased = tf.tidy(() => tf.add(tf.reshape(tf.range(0, 16), [1, 2, 2, 2, 2]), tf.tensor1d([100, 1000])));
    const biasAdd = Array.from(await biased.data());
    biased.dispose();
    // tf.pad and tf.mirrorPad of a rank-5 volume, and the pad's gradient (the stock GPU shaders
    // compile for rank <= 4 only).
    const pads = tf.tidy(() => {
      const v = tf.reshape(tf.range(1, 13), [1, 2, 3, 2, 1]);
      const w = tf.reshape(tf.range(0, 60), [1, 3, 5, 4, 1]);
      return [
        tf.pad(v, PAD_CONSTANT, -5),
        tf.mirrorPad(v, PAD_MIRROR, 'reflect'),
        tf.grad((a) => tf.sum(tf.mul(tf.pad(a, PAD_CONSTANT, -5), w)))(v),
      ];
    });
    const pad5 = Array.from(await pads[0].data());
    const mirrorPad5 = Array.from(await pads[1].data());
    const pad5Grad = Array.from(await pads[2].data());
    tf.dispose(pads);
    // 3D pools with a window below the stride ('same' pads -1 there too), max then average, and
    // their gradients; the average-pool gradient over the border (stock: the whole window's divisor).
    const pools = tf.tidy(() => {
      const v = tf.reshape(tf.range(1, 17), [1, 1, 4, 4, 1]);
      const dy = tf.reshape(tf.tensor1d([10, 20, 30, 40]), [1, 1, 2, 2, 1]);
      const max = (a) => tf.maxPool3d(a, 1, 2, 'same');
      const avg = (a) => tf.avgPool3d(a, 1, 2, 'same');
      const grad = (pool) => tf.grad((a) => tf.sum(tf.mul(pool(a), dy)))(v);
      const avg2d = tf.grad((a) => tf.sum(tf.avgPool(a, 3, 1, 'same')))(tf.ones([1, 3, 3, 1]));
      return [tf.concat([tf.reshape(max(v), [-1]), tf.reshape(avg(v), [-1])]), tf.concat([tf.reshape(grad(max), [-1]), tf.reshape(grad(avg), [-1])]), avg2d];
    });
    const pool3dSame = Array.from(await pools[0].data());
    const pool3dSameGrad = Array.from(await pools[1].data());
    const avgPoolGrad = Array.from(await pools[2].data());
    tf.dispose(pools);
    const direct = tf.getBackend() === 'webgpu' ? await directAgainstStock() : undefined;
    const sharedPrograms = tf.getBackend() === 'webgl' ? { on: kit.sharedWebglProgramsOn(), shapeUniforms: tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS'), pack: tf.env().getBool('WEBGL_PACK_BINARY_OPERATIONS') } : undefined;
    return { backend: tf.getBackend(), boolSum, intSum, dice, counts, after, conv3dSame, conv3dSameGrad, conv3dNarrow, conv3dNarrowGrad, biasAdd, pad5, mirrorPad5, pad5Grad, pool3dSame, pool3dSameGrad, avgPoolGrad, direct, sharedPrograms };
  }

  // unet-kit's direct WebGPU kernels (on for SwiftShader's adapter) against tfjs' own, op by op,
  // forward and under a gradient tape: the largest absolute difference of each.
  async function directAgainstStock() {
    const on = kit.directWebgpuKernelsOn();
    const r = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
    const flat = (ts) => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
    const ops = {
      'conv2d s1 same': () => tf.conv2d(r([2, 9, 9, 3], 1), r([3, 3, 3, 4], 2), 1, 'same'),
      'conv2d s2 same': () => tf.conv2d(r([2, 9, 9, 3], 1), r([3, 3, 3, 4], 2), 2, 'same'),
      'conv2d s2 valid': () => tf.conv2d(r([2, 9, 9, 3], 1), r([3, 3, 3, 4], 2), 2, 'valid'),
      'conv2d dilation 2': () => tf.conv2d(r([2, 9, 9, 3], 1), r([3, 3, 3, 4], 2), 1, 'same', 'NHWC', 2),
      'conv2d 1x1': () => tf.conv2d(r([2, 9, 9, 3], 1), r([1, 1, 3, 4], 2), 1, 'same'),
      ...Object.fromEntries(['relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'].map((activation) => [
        'fused conv2d + bias + ' + activation,
        () => tf.fused.conv2d({ x: r([2, 9, 9, 3], 1), filter: r([3, 3, 3, 4], 2), strides: 1, pad: 'same', bias: r([4], 3), activation, leakyreluAlpha: 0.3 }),
      ])),
      'conv2dTranspose s2': () => tf.conv2dTranspose(r([2, 5, 5, 4], 1), r([2, 2, 3, 4], 2), [2, 10, 10, 3], 2, 'same'),
      'conv grads (x, w, b) through bias + relu': () => flat(tf.grads((x, w, b) => tf.sum(tf.square(tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias: b, activation: 'relu' }))))([r([2, 9, 9, 3], 1), r([3, 3, 3, 4], 2), r([4], 3)])),
      'conv2dTranspose grads (x, w)': () => flat(tf.grads((x, w) => tf.sum(tf.square(tf.conv2dTranspose(x, w, [2, 10, 10, 3], 2, 'same'))))([r([2, 5, 5, 4], 1), r([2, 2, 3, 4], 2)])),
      'matMul batched': () => tf.matMul(r([3, 5, 7], 1), r([3, 7, 6], 2)),
      'matMul transposed a, b': () => tf.matMul(r([3, 7, 5], 1), r([3, 6, 7], 2), true, true),
      'matMul broadcast rank 4 x 2': () => tf.matMul(r([2, 3, 5, 7], 1), r([7, 6], 2)),
      'fused matMul + bias + elu': () => tf.fused.matMul({ a: r([4, 7], 1), b: r([7, 6], 2), bias: r([6], 3), activation: 'elu' }),
      'sum over the last axis': () => tf.sum(r([6, 5, 7], 1), -1),
      'sum over leading axes (a bias gradient)': () => tf.sum(r([2, 4, 5, 3], 1), [0, 1, 2]),
      'mean over the middle axis, keepDims': () => tf.mean(r([3, 6, 4], 1), 1, true),
      'softmax over 7 classes and its gradient': () => flat(tf.grads((x) => tf.sum(tf.square(tf.softmax(x))))([r([4, 5, 7], 1)])),
      'matMul grads (a, b)': () => flat(tf.grads((a, b) => tf.sum(tf.square(tf.matMul(a, b, false, true))))([r([3, 5, 7], 1), r([3, 6, 7], 2)])),
    };
    const diffs = {};
    for (const [name, op] of Object.entries(ops)) {
      kit.useDirectWebgpuKernels(false);
      const stock = tf.tidy(op);
      kit.useDirectWebgpuKernels(on);
      const mine = tf.tidy(op);
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(stock, mine))));
      diffs[name] = (await d.data())[0];
      tf.dispose([stock, mine, d]);
    }
    return { on, diffs };
  }
  window.factoriesReady = true;
`;

interface PageRun {
  backend: string;
  /** The page's checkFaults. */
  faults: Record<string, number[] | number | string>;
  results: CaseResult[];
  errors: string[];
  /** Distinct WebGL programs or WebGPU pipelines the page compiled (0 on wasm). */
  programs: number;
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

/** The Node backend of a case's reference. */
const referenceOf = (name: string): string => factoryCases('all').find((c) => c.name === name)?.reference ?? 'cpu';

const minus = (a: number[][], b: number[][]): number[][] => a.map((values, i) => values.map((v, j) => v - b[i]![j]!));

describe.skipIf(SKIP_BROWSER)('every model factory in headless Chromium agrees with Node (wasm, webgl, webgpu)', () => {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  let noChromium: string | undefined;
  const cases: CaseData[] = [];
  const reference = new Map<string, CaseResult>();
  const defaultBackends = new Map(factoryCases().map((c) => [c.name, c.gpu ?? []]));

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const started = Date.now();
    const kit: FactoryKit = { models, mobileNetV2: (shape) => kerasMobileNetV2(shape) };
    for (const spec of factoryCases()) {
      const on = spec.reference ?? 'cpu';
      await useBackend(on, on === 'wasm' ? { threads: 1 } : {});
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
    const files = await bundlePageFiles(ENTRY);
    files.set('/cases.json', JSON.stringify(cases));
    server = await startStaticServer({ files, isolated: true });
    try {
      ({ browser } = await launchChromium(undefined, ['--disable-gpu-watchdog']));
    } catch (error) {
      noChromium = error instanceof Error ? error.message : String(error);
    }
    console.log(`factories: ${cases.length} cases, Node reference (cpu; wasm where a case says) ${(nodeMs / 1000).toFixed(1)} s`);
  }, PAGE_LIMIT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const runs = BACKENDS.filter((b) => ONLY_BACKENDS === undefined || ONLY_BACKENDS.includes(b)).flatMap((b) => FLAG_SETS.map((extra) => [b, extra] as const));
  for (const [backend, extra] of runs) it(`${backend}${Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : ''}: forward outputs, step losses and weight changes match Node`, async (context) => {
    if (browser === undefined) {
      console.log(`factories on ${backend} skipped: no Chromium can be launched here (${noChromium})`);
      context.skip();
    }
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (PROGRESS && message.text().startsWith('factory case ')) console.log(`${backend} ${message.text()} (${new Date().toISOString().slice(11, 19)})`);
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
      const names = cases.filter((c) => backend === 'wasm' || ALL_ON_GPU || defaultBackends.get(c.name)!.includes(backend)).map((c) => c.name);
      const flags = { ...(PAGE_FLAGS[backend] ?? {}), ...extra };
      const run = (await page.evaluate(
        ([name, list, set]) => (window as unknown as { runFactories: (b: string, n: readonly string[], f: object) => Promise<unknown> }).runFactories(name, list, set),
        [backend, names, flags] as const,
      )) as PageRun;
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
        rows.push(`${result.name}: output ${output.toExponential(1)}, loss ${loss.toExponential(1)}, delta ${delta.toExponential(1)}, ${(result.ms / 1000).toFixed(1)} s (Node ${referenceOf(result.name)} ${(node.ms / 1000).toFixed(1)} s)`);
        if (result.output.length !== node.output.length || !(output <= tolerance.output)) failures.push(`${result.name}: output differs by ${output}`);
        if (!(loss <= tolerance.loss)) failures.push(`${result.name}: losses ${result.losses.join(', ')} vs Node ${node.losses.join(', ')}`);
        if (!(delta <= tolerance.delta)) failures.push(`${result.name}: weight change differs by ${delta} (relative)`);
        if (result.leaked !== 0) failures.push(`${result.name}: leaked ${result.leaked} tensors`);
      }
      console.log(
        `factories on ${run.backend}: ${run.results.length} cases in ${(run.ms / 1000).toFixed(1)} s, ${run.programs} programs; worst output ${worst.output.toExponential(2)}, ` +
          `loss ${worst.loss.toExponential(2)}, delta ${worst.delta.toExponential(2)}\n  ${rows.join('\n  ')}`,
      );
      const faults = run.faults;
      expect(run.backend).toBe(backend);
      // The fault checks of the page (checkFaults), computed here: values (i mod 7) - 3 in [64, 40].
      const column = (j: number) => Array.from({ length: 64 }, (_, r) => ((r * 40 + j) % 7) - 3);
      expect(faults.backend).toBe(backend);
      expect(faults.boolSum).toEqual(Array.from({ length: 40 }, (_, j) => column(j).filter((v) => v > 0).length));
      expect(faults.intSum).toEqual(Array.from({ length: 40 }, (_, j) => column(j).reduce((a, b) => a + b, 0)));
      // probs (i mod 10) / 9 against truth probs >= 0.3: predicted (>= 0.5) 5 of 10, true 7 of 10, overlap 5.
      // On WebGPU these were all zeros before confusionStats counted in float32 there (int32 Transpose).
      expect(faults.counts, 'tp, fp, fn, tn of confusionStats').toEqual([[1280], [0], [512], [768]]);
      expect(faults.dice).toBeCloseTo((2 * 5) / (5 + 7), 5);
      expect(faults.after).toEqual([-2, -1, 0, 1, 2, 3, 4, -2]);
      // TensorFlow's 'same': depth unpadded (voxel 0; tfjs' own pads read voxel 1), height padded 1
      // and 1, width 0: rows (0, 1) and (1, 2) of depth 0, columns (0, 1) and (2, 3).
      expect(faults.conv3dSame, "conv3d 'same', filter below the stride").toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8, 5 + 6 + 9 + 10, 7 + 8 + 11 + 12]);
      expect(faults.biasAdd, 'rank 5 + rank 1').toEqual(Array.from({ length: 16 }, (_, i) => i + (i % 2 === 0 ? 100 : 1000)));
      expect(faults.conv3dSameGrad, 'its input gradient').toEqual([1, 1, 2, 2, 4, 4, 6, 6, 3, 3, 4, 4, ...new Array<number>(12).fill(0)]);
      expect(faults.conv3dNarrow, "conv3d 'same', a 1x3x1 filter at stride 2").toEqual([1 + 5, 3 + 7, 5 + 9, 7 + 11]);
      expect(faults.conv3dNarrowGrad, 'its input gradient').toEqual([1, 0, 2, 0, 4, 0, 6, 0, 3, 0, 4, 0, ...new Array<number>(12).fill(0)]);
      // The rank-5 pads, against Node's cpu (whose stock pads take any rank).
      const expectedPads = tf.tidy(() => {
        const v = tf.reshape(tf.range(1, 13), [1, 2, 3, 2, 1]);
        const w = tf.reshape(tf.range(0, 60), [1, 3, 5, 4, 1]);
        return [tf.pad(v, PAD_CONSTANT, -5), tf.mirrorPad(v, PAD_MIRROR, 'reflect'), tf.grad((a) => tf.sum(tf.mul(tf.pad(a, PAD_CONSTANT, -5), w)))(v)].map((t) => Array.from(t.dataSync()));
      });
      expect(faults.pad5, 'tf.pad at rank 5').toEqual(expectedPads[0]);
      expect(faults.mirrorPad5, 'tf.mirrorPad at rank 5').toEqual(expectedPads[1]);
      expect(faults.pad5Grad, 'the rank-5 pad gradient').toEqual(expectedPads[2]);
      expect(faults.pool3dSame, "maxPool3d, avgPool3d 'same', window below the stride").toEqual([1, 3, 9, 11, 1, 3, 9, 11]);
      const evenVoxels = [10, 0, 20, 0, 0, 0, 0, 0, 30, 0, 40, 0, 0, 0, 0, 0];
      expect(faults.pool3dSameGrad, 'their gradients').toEqual([...evenVoxels, ...evenVoxels]);
      const [corner, edge, centre] = [1 / 4 + 2 / 6 + 1 / 9, 2 / 4 + 3 / 6 + 1 / 9, 4 / 4 + 4 / 6 + 1 / 9];
      (faults.avgPoolGrad as number[]).forEach((v, i) => expect(v, `avgPool 3x3 'same' gradient at ${i}`).toBeCloseTo([corner, edge, corner, edge, centre, edge, corner, edge, corner][i]!, 5));
      if (backend === 'webgpu') {
        // SwiftShader's adapter: unet-kit's direct conv and matMul kernels, equal to tfjs' own.
        const direct = faults.direct as unknown as { on: boolean; diffs: Record<string, number> };
        expect(direct.on, 'direct WebGPU kernels on the software adapter').toBe(true);
        expect(Object.keys(direct.diffs).length).toBe(22);
        for (const [name, diff] of Object.entries(direct.diffs)) expect(diff, `direct ${name} against tfjs' kernel`).toBeLessThan(1e-4);
      }
      // SwiftShader's WebGL: one program per op and layout (shape uniforms), unpacked textures.
      if (backend === 'webgl') expect(faults.sharedPrograms, 'shared WebGL programs on the software renderer').toEqual({ on: true, shapeUniforms: true, pack: false });
      expect(failures).toEqual([]);
      expect(run.results.map((r) => r.name)).toEqual(names);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, PAGE_LIMIT_MS);
});
