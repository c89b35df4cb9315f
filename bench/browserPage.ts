// The browser bench page's work (bundled by bench/browser.ts with the built dist/ and run in
// headless Chromium): one bench case per page, on wasm (one thread, or tfjs' threaded-SIMD build
// when the page is cross-origin isolated) or a GPU backend, timed as bench/case.ts times Node:
// one warm-up, then the median of `reps` forwards (predict + download) and Adam train steps
// (trainOnBatch, mean squared error). The libraries come in as arguments so the page and Node's
// type check share this file while the page runs the built bundle.
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type { batchNormalization, useBackend } from '../src/index.js';
import { benchBatch, buildBenchUNet, type BenchNetSpec } from './benchNet.js';

/** One case the page runs. */
export interface BrowserCaseArgs {
  /** The net's name in the rows ('2d', '3d', or a test's own). */
  readonly net: string;
  readonly spec: BenchNetSpec;
  readonly backend: 'wasm' | 'webgl' | 'webgpu';
  /** wasm threads asked for (useBackend's option); tfjs runs one unless the page is isolated. */
  readonly threads?: number | 'auto';
  readonly reps: number;
  readonly forward: boolean;
  readonly train: boolean;
}

/** What the page's entry passes in: tfjs, tfjs-layers, the built unet-kit and the wasm package. */
export interface PageLibraries {
  readonly tf: typeof tfCore;
  readonly tfl: typeof tfLayers;
  readonly kit: { readonly useBackend: typeof useBackend; readonly batchNormalization: typeof batchNormalization };
  readonly wasm: { getThreadsCount(): number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(reps: number, f: () => Promise<void>): Promise<number> {
  await f();
  const wall: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f();
    wall.push(performance.now() - t);
  }
  return median(wall);
}

/** The GPU behind WebGL or WebGPU, so a software device (SwiftShader, llvmpipe) is labelled as such. */
async function gpuInfo(lib: PageLibraries, backend: string): Promise<{ renderer: string; software: boolean }> {
  if (backend === 'webgl') {
    const gl = (lib.tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl === undefined ? 'unknown' : String(gl.getParameter(debug === null || debug === undefined ? gl.RENDERER : debug.UNMASKED_RENDERER_WEBGL));
    return { renderer, software: /swiftshader|llvmpipe|software/i.test(renderer) };
  }
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string; vendor?: string }; isFallbackAdapter?: boolean } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter();
  const renderer = `${adapter?.info?.vendor ?? ''} ${adapter?.info?.architecture ?? ''}`.trim() || 'unknown';
  return { renderer, software: adapter?.isFallbackAdapter === true || /swiftshader|llvmpipe/i.test(renderer) };
}

/** Runs one case in this page and returns its bench row (the JSON shape of bench/case.ts' rows). */
export async function runBrowserCase(lib: PageLibraries, args: BrowserCaseArgs): Promise<Record<string, unknown>> {
  const { tf, tfl, kit } = lib;
  const backend = await kit.useBackend(args.backend, args.backend === 'wasm' && args.threads !== undefined ? { threads: args.threads } : {});
  tf.enableProdMode();
  const before = tf.memory().numTensors;
  const { spec } = args;
  const model = buildBenchUNet({ tfl, batchNormalization: () => kit.batchNormalization() }, spec.spatialDims, spec.size, spec.filters);
  const { shape, x, y, flops } = benchBatch(tf, model, spec);
  const row: Record<string, unknown> = {
    net: args.net,
    backend: `chromium ${backend}`,
    kernels: true,
    input: shape,
    params: model.countParams(),
    forwardGflop: +(flops / 1e9).toFixed(3),
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  if (backend === 'wasm') {
    row.threads = lib.wasm.getThreadsCount();
    row.wasmMultithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  } else {
    Object.assign(row, await gpuInfo(lib, backend));
  }
  try {
    if (args.forward) {
      const ms = await timeIt(args.reps, async () => {
        const out = model.predict(x) as tfCore.Tensor;
        await out.data();
        out.dispose();
      });
      row.forwardMs = +ms.toFixed(1);
      row.forwardGflops = +(flops / ms / 1e6).toFixed(2);
    }
    if (args.train) {
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
      const ms = await timeIt(args.reps, async () => {
        await model.trainOnBatch(x, y);
      });
      row.trainStepMs = +ms.toFixed(1);
      // forward + input gradient + filter gradient: about 3x the forward multiply-adds.
      row.trainGflops = +((3 * flops) / ms / 1e6).toFixed(2);
    }
    const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
    if (heap !== undefined) row.wasmHeapMb = Math.round(heap.byteLength / 2 ** 20);
  } finally {
    tf.dispose([x, y]);
    // Adam's slots are tensors of the optimizer, not of the model.
    (model.optimizer as tfCore.Optimizer | undefined)?.dispose();
    model.dispose();
  }
  row.leakedTensors = tf.memory().numTensors - before;
  return row;
}
