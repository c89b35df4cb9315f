// Browser rows of `npm run bench`: the bench nets in headless Chromium (test/helpers/chromium.ts),
// on wasm with one thread (a plain page) and with tfjs' threaded-SIMD build (the same page served
// cross-origin isolated: COOP/COEP headers), plus, with --browser-gpu, WebGL and WebGPU (on this
// machine type SwiftShader: software, labelled so). The page is bundled by esbuild from the built
// dist/ (`npm run build`), as a user's bundler would take the package; each case gets a fresh page.
//   node --import tsx bench/browser.ts '{"nets":["2d","3d"],"reps":2,"gpu":false}'
// Prints one JSON line {"rows": [...]}; a row says `skipped` when dist/ is missing or Chromium can't launch.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { launchChromium, SKIP_BROWSER } from '../test/helpers/chromium.js';
import { startStaticServer, type StaticServer } from '../test/helpers/staticServer.js';
import { BENCH_NETS, type BenchNetSpec } from './benchNet.js';
import type { BrowserCaseArgs } from './browserPage.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

// The page's entry: tfjs, every browser backend, the built library and bench/browserPage.ts.
const ENTRY = `
  import * as tf from '@tensorflow/tfjs-core';
  import * as tfl from '@tensorflow/tfjs-layers';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-webgl';
  import '@tensorflow/tfjs-backend-webgpu';
  import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
  import * as kit from ${JSON.stringify(join(root, 'dist', 'index.js'))};
  import { runBrowserCase } from ${JSON.stringify(join(root, 'bench', 'browserPage.ts'))};
  setWasmPaths(location.origin + '/');
  window.benchCase = (args) => runBrowserCase({ tf, tfl, kit, wasm: { getThreadsCount } }, args);
  window.benchReady = true;
`;

/** The page's files by URL path: the HTML, the bundle and tfjs' three wasm binaries. Needs dist/. */
export async function buildBenchPage(): Promise<Map<string, Buffer | string>> {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
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
  ]);
  for (const name of WASM_FILES) files.set(`/${name}`, await readFile(join(wasmDir, name)));
  return files;
}

/** A plain server (wasm on one thread) and an isolated one (crossOriginIsolated: threaded wasm). */
export interface BenchServers {
  readonly plain: StaticServer;
  readonly isolated: StaticServer;
  close(): Promise<void>;
}

export async function startBenchServers(files: Map<string, Buffer | string>): Promise<BenchServers> {
  const plain = await startStaticServer({ files });
  const isolated = await startStaticServer({ files, isolated: true });
  return { plain, isolated, close: async () => void (await Promise.all([plain.close(), isolated.close()])) };
}

/** Runs one case on a fresh page of `origin`; a case running past `timeoutMs` becomes an error row. */
export async function runCaseInPage(browser: Browser, origin: string, args: BrowserCaseArgs, timeoutMs: number): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    await page.goto(origin);
    await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true, undefined, { timeout: 60_000 }).catch(() => {
      throw new Error(`the bench page did not load: ${errors.join('; ') || 'no page error reported'}`);
    });
    const run = page.evaluate((a) => (window as unknown as { benchCase: (a: unknown) => Promise<Record<string, unknown>> }).benchCase(a), args);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    const row = await Promise.race([run, timeout]);
    if (errors.length > 0) row.pageErrors = errors;
    return row;
  } catch (error) {
    return { net: args.net, backend: `chromium ${args.backend}`, kernels: true, error: String((error as Error).message ?? error).split('\n')[0]!.slice(0, 200) };
  } finally {
    clearTimeout(timer);
    await page.close().catch(() => undefined);
  }
}

/** Options of {@link browserRows}. */
export interface BrowserBenchOptions {
  readonly nets: readonly string[];
  readonly reps: number;
  /** Also the WebGL and WebGPU rows (software on a machine without a GPU: slow). */
  readonly gpu: boolean;
  /** Per-case limit (default 5 min for wasm, 3 min for a GPU case). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** The browser rows: per net, wasm 1 thread (plain page), wasm threaded (isolated page), and the GPU rows. */
export async function browserRows(options: BrowserBenchOptions): Promise<Record<string, unknown>[]> {
  const log = options.log ?? (() => undefined);
  if (SKIP_BROWSER) return [{ backend: 'chromium', skipped: 'UNET_KIT_SKIP_BROWSER=1' }];
  let files: Map<string, Buffer | string>;
  try {
    files = await buildBenchPage();
  } catch (error) {
    return [{ backend: 'chromium', skipped: String((error as Error).message) }];
  }
  let browser: Browser;
  let version: string;
  try {
    browser = (await launchChromium()).browser;
    version = browser.version();
  } catch (error) {
    return [{ backend: 'chromium', skipped: `Chromium does not launch here (${String((error as Error).message).split('\n')[0]!.slice(0, 200)}); the browser rows are optional` }];
  }
  const servers = await startBenchServers(files);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const net of options.nets) {
      const spec: BenchNetSpec | undefined = BENCH_NETS[net as '2d' | '3d'];
      if (spec === undefined) continue;
      const base = { net, spec, reps: options.reps, forward: true, train: true };
      const cases: Array<{ origin: string; args: BrowserCaseArgs; label: string }> = [
        { origin: servers.plain.origin, args: { ...base, backend: 'wasm' }, label: 'wasm, plain page (1 thread)' },
        // 'auto': one thread per navigator.hardwareConcurrency (useBackend lifts tfjs' cap of half that).
        { origin: servers.isolated.origin, args: { ...base, backend: 'wasm', threads: 'auto' }, label: 'wasm, cross-origin isolated page (threads)' },
      ];
      if (options.gpu) {
        // Software GPUs take seconds per step: one timed rep after the warm-up.
        cases.push({ origin: servers.isolated.origin, args: { ...base, reps: 1, backend: 'webgl' }, label: 'webgl' });
        cases.push({ origin: servers.isolated.origin, args: { ...base, reps: 1, backend: 'webgpu' }, label: 'webgpu' });
      }
      for (const c of cases) {
        log(`bench: ${net} chromium ${c.label} ...`);
        const timeoutMs = options.timeoutMs ?? (c.args.backend === 'wasm' ? 300_000 : 180_000);
        rows.push({ ...(await runCaseInPage(browser, c.origin, c.args, timeoutMs)), browser: `Chromium ${version}` });
      }
    }
  } finally {
    await browser.close();
    await servers.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as { nets?: string[]; reps?: number; gpu?: boolean };
  const rows = await browserRows({
    nets: args.nets ?? ['2d', '3d'],
    reps: args.reps ?? 2,
    gpu: args.gpu ?? false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ rows })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
