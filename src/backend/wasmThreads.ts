// tfjs-backend-wasm 4.22 never starts its threaded-SIMD binary in Node (tfjs issue 3830): its
// flag WASM_HAS_MULTITHREAD_SUPPORT is false there because the pthread worker would start from
// a `blob:` URL, which Node's Worker refuses. This module starts that binary itself and
// registers it under the name 'wasm', so tfjs' wasm kernels and unet-kit's (installKernels) run
// on it unchanged. Three things differ from the browser path:
// - the pthread worker script (tfjs ships it as a string) starts from a `data:` URL, as an ES
//   module that gives it the CommonJS `require` and `__filename` Emscripten's worker code uses;
// - the Emscripten factory is the package's own wasm-out file, so a worker can read it by path;
// - XNNPACK caps its pool at half the logical cores (it assumes two hyper-threads per core),
//   which on a 2-core machine is 1: the core count the binary imports is reported as twice the
//   threads asked for, so the cap is the request.
import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin } from '../core/platform.js';

/**
 * The most threads tfjs' wasm binary uses (it pre-creates 8 pthread workers).
 *
 * @example `MAX_WASM_THREADS` is `8`.
 */
export const MAX_WASM_THREADS = 8;

/** Same priority tfjs-backend-wasm registers 'wasm' with. */
const WASM_PRIORITY = 2;

interface NodeWorkerLike {
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

interface EmscriptenModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: NodeWorkerLike[]; unusedWorkers: NodeWorkerLike[]; terminateAllThreads(): void };
  tfjs?: Record<string, unknown>;
}

interface WasmPackage {
  BackendWasm: new (module: EmscriptenModule) => tf.KernelBackend;
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/** tfjs' own 'wasm' factory (single-threaded in Node), kept to go back to. */
let stockFactory: BackendFactory | undefined;
/** Threads of the backend the 'wasm' name now stands for (1: tfjs' own). */
let registeredThreads = 1;
/** The threaded Emscripten module in use, to stop its workers when it is replaced. */
let threadedModule: EmscriptenModule | undefined;

function moduleBase(): string {
  let base: string | undefined;
  try {
    base = import.meta.url;
  } catch {
    base = undefined;
  }
  if (typeof base === 'string' && base !== '') return base;
  // CJS build: import.meta is empty there.
  return typeof __filename === 'string' ? __filename : `${process.cwd()}/`;
}

interface ThreadedFiles {
  factory: (config: Record<string, unknown>) => Promise<EmscriptenModule>;
  factoryPath: string;
  wasmPath: string;
  workerUrl: URL;
}

async function locateThreadedFiles(): Promise<ThreadedFiles> {
  const { createRequire } = await importNodeBuiltin<typeof import('node:module')>('module');
  const { dirname, join } = await importNodeBuiltin<typeof import('node:path')>('path');
  const require = createRequire(moduleBase());
  // main is <package>/dist/tf-backend-wasm.node.js; the Emscripten outputs sit in wasm-out/.
  const root = dirname(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  const factoryPath = join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The script holds one raw newline inside a string literal (tfjs escapes it the same way).
  const workerScript = wasmWorkerContents.replace(/\n/g, '\\n');
  const source = [
    // The bare builtin name, not 'node:module': this text ships in browser bundles too (as data),
    // where a 'node:' specifier reads as an import of a Node built-in.
    `import { createRequire } from 'module';`,
    `globalThis.require = createRequire(${JSON.stringify(factoryPath)});`,
    `globalThis.__filename = ${JSON.stringify(factoryPath)};`,
    `(0, eval)(${JSON.stringify(workerScript)});`,
  ].join('\n');
  return {
    factory: require(factoryPath) as ThreadedFiles['factory'],
    factoryPath,
    wasmPath: join(root, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'),
    workerUrl: new URL(`data:text/javascript,${encodeURIComponent(source)}`),
  };
}

async function startThreaded(pkg: WasmPackage, files: ThreadedFiles, threads: number): Promise<tf.KernelBackend> {
  const { readFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const binary = await readFile(files.wasmPath);
  const module = await files.factory({
    locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? files.workerUrl : path.endsWith('.wasm') ? files.wasmPath : prefix + path),
    mainScriptUrlOrBlob: files.factoryPath,
    instantiateWasm: (imports: { env: Record<string, unknown> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      void WebAssembly.instantiate(binary, imports as WebAssembly.Imports).then((r) => receive(r.instance, r.module));
      return {};
    },
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module);
  // XNNPACK's pool threads run for the backend's life: they must not keep Node from exiting.
  // The pre-created workers the pool did not take are stopped (each is a V8 isolate).
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers.splice(0)) void worker.terminate();
  threadedModule = module;
  return backend;
}

function stopThreads(): void {
  threadedModule?.PThread.terminateAllThreads();
  threadedModule = undefined;
}

/** Replaces what tfjs' 'wasm' name starts (any started 'wasm' backend is disposed). */
function reregister(factory: BackendFactory): void {
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  stopThreads();
  tf.registerBackend('wasm', factory, WASM_PRIORITY);
}

/**
 * Makes tfjs' backend name `'wasm'` start the threaded-SIMD binary with `threads` threads in
 * Node (or tfjs' own single-threaded one for `threads` 1), and starts it. A started `'wasm'`
 * backend with another thread count is disposed first: tensors on it are gone. Resolves to the
 * threads XNNPACK runs; rejects with the reason when the threaded binary cannot start here,
 * leaving tfjs' own `'wasm'` registered.
 */
export async function startWasmWithThreads(threads: number): Promise<number> {
  const pkg = (await import(/* @vite-ignore */ /* webpackIgnore: true */ '@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  stockFactory ??= tf.findBackendFactory('wasm') as BackendFactory | undefined;
  if (stockFactory === undefined) throw new UnetKitError('useBackend', 'options.threads', 'is set, but tfjs-backend-wasm did not register its backend.');
  const engine = tf.engine();
  if (registeredThreads === threads && tf.findBackendFactory('wasm') != null) {
    if (!(await tf.setBackend('wasm'))) throw new UnetKitError('useBackend', 'name', "is 'wasm', but the backend failed to start.");
    return threads === 1 ? 1 : pkg.getThreadsCount();
  }
  if (threads === 1) {
    reregister(stockFactory);
    registeredThreads = 1;
    pkg.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new UnetKitError('useBackend', 'name', "is 'wasm', but the backend failed to start.");
    return 1;
  }
  let files: ThreadedFiles;
  try {
    files = await locateThreadedFiles();
  } catch (error) {
    throw new UnetKitError('useBackend', 'options.threads', `is ${threads}, but the threaded wasm files were not found (${String(error)}); use threads: 1.`);
  }
  let failure: unknown;
  reregister(() =>
    startThreaded(pkg, files, threads).catch((error: unknown) => {
      failure = error;
      throw error;
    }),
  );
  registeredThreads = threads;
  const started = await tf.setBackend('wasm').catch(() => false);
  if (!started || !('wasm' in engine.registry)) {
    reregister(stockFactory);
    registeredThreads = 1;
    throw new UnetKitError('useBackend', 'options.threads', `is ${threads}, but the threaded wasm binary failed to start here (${String(failure ?? 'no reason given')}); use threads: 1.`);
  }
  return pkg.getThreadsCount();
}

/**
 * Threads of the started wasm backend: XNNPACK's pool size (1 for tfjs' own single-threaded
 * binary, which is what a wasm backend started outside `useBackend` runs in Node), or 0 when no
 * wasm backend has been started.
 *
 * @returns 0, 1, or the threads `useBackend('wasm', { threads })` started (at most 8).
 * @example
 * ```ts
 * import { useBackend, wasmThreads } from 'unet-kit/backend';
 * await useBackend('wasm', { threads: 2 });
 * wasmThreads(); // 2
 * ```
 */
export function wasmThreads(): number {
  if (!('wasm' in tf.engine().registry)) return 0;
  return registeredThreads === 1 ? 1 : (threadedModule?.tfjs?.getThreadsCount as (() => number) | undefined)?.() ?? 1;
}
