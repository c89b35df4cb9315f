import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOneOf, assertOptions } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin, isNode } from '../core/platform.js';
import { installKernels, useDirectWebgpuKernels, useSharedWebglPrograms } from '../kernels/index.js';
import { probeWebgl, probeWebgpu, type DeviceProbe } from './deviceProbe.js';
import {
  AUTO_ORDER,
  BACKEND_NAMES,
  BACKEND_PACKAGES,
  BROWSER_ONLY,
  NODE_ONLY,
  type BackendName,
  type ConcreteBackend,
} from './packages.js';
import { MAX_WASM_THREADS, startWasmWithThreads } from './wasmThreads.js';

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads of the wasm backend (`'wasm'`, or `'auto'` when it picks wasm): an integer 1-8, or
   * `'auto'` for one per core (at most 8). In Node 2 or more start tfjs' threaded-SIMD binary
   * (XNNPACK's thread pool on worker threads; tfjs itself never starts it in Node), 1 tfjs' own
   * single-threaded one. In a browser tfjs runs threads only on a cross-origin isolated page;
   * this sets their count before the backend starts (without it tfjs takes half of
   * `navigator.hardwareConcurrency`: 1 on a 2-core machine). Default: `'auto'` (in a browser:
   * tfjs' own count), except that a started
   * wasm backend holding tensors is kept as it is. Asking for another count than the started
   * backend runs starts a new one: tensors on the old wasm backend are lost.
   */
  readonly threads?: number | 'auto';
}
/** Packages unet-kit's own dynamic import found (so they are installed, registered or not). */
const imported = new Set<string>();

// The specifier is a variable and the bundler hints say "leave it": a browser bundle of the
// library must not try to resolve Node-only or uninstalled optional packages at build time.
async function importOptional(specifier: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
    imported.add(specifier);
    return true;
  } catch {
    return false;
  }
}

/** Backends registered with tfjs now (imported by the user or by unet-kit). */
function registered(name: ConcreteBackend): boolean {
  return tf.findBackendFactory(name) !== null && tf.findBackendFactory(name) !== undefined;
}

function applicable(name: ConcreteBackend): boolean {
  return isNode() ? !BROWSER_ONLY.includes(name) : !NODE_ONLY.includes(name);
}

/** Imports the package(s) that provide `name` until it is registered; true when it is. */
async function ensureRegistered(name: ConcreteBackend): Promise<boolean> {
  if (registered(name)) return true;
  if (!applicable(name)) return false;
  for (const specifier of BACKEND_PACKAGES[name]) {
    if ((await importOptional(specifier)) && registered(name)) return true;
  }
  return registered(name);
}

// Why the last attempt at each backend failed, for the error useBackend throws.
const failures = new Map<ConcreteBackend, string>();

// One probe per page: devices do not come and go, and each probe makes a context or an adapter.
const probes = new Map<'webgl' | 'webgpu', Promise<DeviceProbe>>();

function probeDevice(name: 'webgl' | 'webgpu'): Promise<DeviceProbe> {
  let probe = probes.get(name);
  if (probe === undefined) {
    probe = name === 'webgl' ? Promise.resolve(probeWebgl()) : probeWebgpu();
    probes.set(name, probe);
  }
  return probe;
}

/** False, with the reason kept, when a GPU backend has no device here; true for the others. */
async function hasDevice(name: ConcreteBackend): Promise<boolean> {
  if (isNode() || (name !== 'webgl' && name !== 'webgpu')) return true;
  const probe = await probeDevice(name);
  if (!probe.available) failures.set(name, `no ${name === 'webgl' ? 'WebGL' : 'WebGPU'} device here: ${probe.detail}`);
  return probe.available;
}

// tfjs and Emscripten report a failed wasm start in a browser with several console warnings;
// unet-kit keeps them for its own error (or, for 'auto', moves on quietly) instead.
async function collectingWarnings<T>(run: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  console.error = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    return { result: await run(), warnings };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

// What a browser's wasm start prints when the .wasm files are not where tfjs looks: a 404
// ("HTTP status code is not ok", "fetching of the wasm failed") or an HTML page served instead.
const WASM_NOT_FOUND = /fetching of the wasm failed|HTTP status code is not ok|Failed to fetch|expected magic word|both async and sync fetching/i;

async function setBackendQuietly(name: ConcreteBackend): Promise<boolean> {
  const attempt = async (): Promise<boolean> => {
    try {
      return await tf.setBackend(name);
    } catch (error) {
      failures.set(name, String(error));
      return false;
    }
  };
  if (name !== 'wasm' || isNode()) return attempt();
  const { result, warnings } = await collectingWarnings(attempt);
  if (!result) {
    failures.set(
      name,
      warnings.some((w) => WASM_NOT_FOUND.test(w))
        ? 'wasm files not found'
        : `the wasm backend failed to start (${warnings.slice(0, 3).join('; ') || 'no message'})`,
    );
  }
  return result;
}

async function coreCount(): Promise<number> {
  if (!isNode()) return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const os = await importNodeBuiltin<typeof import('node:os')>('os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Runs `start` while `navigator.hardwareConcurrency` reads `cores` (Emscripten's logical-core count), then restores it. */
async function withLogicalCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined || Object.prototype.hasOwnProperty.call(nav, 'hardwareConcurrency')) return start();
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => cores });
  } catch {
    return start();
  }
  try {
    return await start();
  } finally {
    // The own property shadowed the prototype's getter: deleting it gives the real count back.
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/**
 * Starts wasm with the threads asked for; false (reason kept) when it does not start. An
 * explicit thread count that cannot start throws; `'auto'` falls back to one thread.
 */
async function startWasm(threads: number | 'auto' | undefined): Promise<boolean> {
  const started = 'wasm' in tf.engine().registry;
  if (!isNode()) {
    if (threads !== undefined && !started) {
      const count = threads === 'auto' ? Math.min(MAX_WASM_THREADS, await coreCount()) : threads;
      ((await import(/* @vite-ignore */ /* webpackIgnore: true */ '@tensorflow/tfjs-backend-wasm')) as { setThreadsCount(n: number): void }).setThreadsCount(count);
      // tfjs' wasm caps its pool at half of navigator.hardwareConcurrency (it assumes two
      // hyper-threads per core), so a 2-core machine got 1 thread whatever was asked; while the
      // backend starts, the cores it reads are twice the count, so the cap is the request.
      return withLogicalCores(2 * count, () => setBackendQuietly('wasm'));
    }
    return setBackendQuietly('wasm');
  }
  // A started wasm backend that holds tensors keeps running unless a count is asked for; an
  // empty one (started by availableBackends, say) loses nothing by being replaced.
  const holdsTensors = started && (tf.engine().registry.wasm as unknown as { numDataIds(): number }).numDataIds() > 0;
  if (threads === undefined && holdsTensors) return setBackendQuietly('wasm');
  const count = threads === undefined || threads === 'auto' ? Math.min(MAX_WASM_THREADS, await coreCount()) : threads;
  try {
    await startWasmWithThreads(count);
    return true;
  } catch (error) {
    if (typeof threads === 'number') throw error;
    failures.set('wasm', String(error));
  }
  // 'auto': the threaded binary did not start here; tfjs' own single-threaded one.
  try {
    await startWasmWithThreads(1);
    return true;
  } catch (error) {
    failures.set('wasm', String(error));
    return false;
  }
}

async function activate(name: ConcreteBackend, options: UseBackendOptions = {}): Promise<boolean> {
  const present = await ensureRegistered(name);
  // Probe even an unregistered GPU backend: its error can then say why (see whyNot).
  if (!(await hasDevice(name)) || !present) return false;
  if (!(await (name === 'wasm' ? startWasm(options.threads) : setBackendQuietly(name)))) return false;
  await tf.ready();
  silenceNodeBanner();
  installKernels(name);
  // tfjs' tiled conv and matMul shaders are the fast ones on a GPU, not on SwiftShader.
  if (name === 'webgpu') useDirectWebgpuKernels((await probeDevice(name)).software);
  // A software renderer spends most of its time compiling one shader per tensor shape.
  if (name === 'webgl') useSharedWebglPrograms((await probeDevice(name)).software);
  failures.delete(name);
  return true;
}

/**
 * `'auto'`'s order here. In a browser a GPU backend on a software device (SwiftShader, llvmpipe,
 * a fallback WebGPU adapter) ranks below wasm, and one with no device is left out.
 */
async function autoOrder(): Promise<ConcreteBackend[]> {
  if (isNode()) return [...AUTO_ORDER.node];
  const order: ConcreteBackend[] = [];
  const software: ConcreteBackend[] = [];
  for (const candidate of AUTO_ORDER.browser) {
    if (candidate === 'webgl' || candidate === 'webgpu') {
      if (!(await ensureRegistered(candidate))) continue;
      const probe = await probeDevice(candidate);
      if (probe.available) (probe.software ? software : order).push(candidate);
    } else {
      // Software GPUs go after every CPU backend but the plain JavaScript one.
      if (candidate === 'cpu') order.push(...software.splice(0));
      order.push(candidate);
    }
  }
  return [...order, ...software];
}

// tfjs-backend-cpu prints a "you are running in Node" banner on its first tensor; the user
// chose this backend, so mark the banner as already shown instead of changing global flags.
function silenceNodeBanner(): void {
  const backend = tf.engine().backend as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

/**
 * Selects and initializes a tfjs backend, installs unet-kit's kernel fixes for it, and returns
 * its name.
 *
 * - `'auto'` (default) tries, in Node, `tensorflow` (`@tensorflow/tfjs-node-gpu`, then
 *   `@tensorflow/tfjs-node`), `wasm`, `cpu`; in a browser `webgpu` and `webgl` on a hardware
 *   GPU, then `wasm`, then `webgpu` and `webgl` on a software device (SwiftShader, llvmpipe, a
 *   fallback WebGPU adapter: 20x slower than wasm on a small U-Net), then `cpu`. A GPU backend
 *   without a device is skipped from a probe of the web API, so tfjs prints no failed start.
 *   It never throws for a missing optional package: it moves on to the next.
 * - wasm runs on one thread per core by default (`options.threads`). In Node unet-kit starts
 *   tfjs' threaded-SIMD binary itself (tfjs does not there); in a browser tfjs picks it when the
 *   page is cross-origin isolated (`crossOriginIsolated`: serve it with
 *   `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`).
 *   Where the threaded binary does not start, `'auto'` threads fall back to one thread.
 * - A named backend that does not start throws a {@link UnetKitError} that says which case it is:
 *   the package is not installed (and which to install), it is installed but there is no device
 *   here (no WebGPU adapter, no WebGL context, with the reason), or, in a browser, the `.wasm`
 *   files were not found (call `setWasmPaths(...)`).
 *
 * - On a software device a named GPU backend is set up for the CPU that runs it: WebGPU's convs
 *   and matMuls through unet-kit's direct kernels ({@link useDirectWebgpuKernels}), WebGL with
 *   one program per operation instead of per tensor shape on unpacked textures
 *   ({@link useSharedWebglPrograms}); a hardware GPU keeps tfjs' own.
 *
 * Packages are loaded with dynamic imports the bundler is told to leave alone, so a browser
 * bundle pulls no Node package; in a bundled browser app import the backends you ship
 * (`import '@tensorflow/tfjs-backend-webgl'`) and `useBackend` picks among them.
 *
 * @param name - `'auto' | 'tensorflow' | 'wasm' | 'webgpu' | 'webgl' | 'cpu'`.
 * @param options - `threads`: wasm's thread count, 1-8 or `'auto'` (see {@link UseBackendOptions}).
 * @returns The backend now active, e.g. `'wasm'`.
 * @example
 * ```ts
 * import { useBackend } from 'unet-kit/backend';
 * const backend = await useBackend(); // 'tensorflow' with tfjs-node, else 'wasm', else 'cpu'
 * await useBackend('wasm', { threads: 2 }); // XNNPACK on 2 threads, in Node too
 * ```
 */
export async function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<ConcreteBackend> {
  assertOneOf('useBackend', 'name', name, BACKEND_NAMES);
  assertOptions('useBackend', options, {
    threads: (f, a, v) => {
      if (v !== 'auto') assertInteger(f, a, v, { min: 1, max: MAX_WASM_THREADS });
    },
  });
  if (options.threads !== undefined && name !== 'wasm' && name !== 'auto') {
    throw new UnetKitError('useBackend', 'options.threads', `is set for '${name}'; threads apply to 'wasm' (or 'auto' when it picks wasm).`);
  }
  if (name !== 'auto') {
    if (!applicable(name)) {
      throw new UnetKitError(
        'useBackend',
        'name',
        `is '${name}', which is not available in ${isNode() ? 'Node.js' : 'a browser'}; use ${
          isNode() ? "'tensorflow', 'wasm' or 'cpu'" : "'webgpu', 'webgl', 'wasm' or 'cpu'"
        }, or 'auto'.`,
      );
    }
    if (await activate(name, options)) return name;
    throw new UnetKitError('useBackend', 'name', `is '${name}', but ${whyNot(name)}`);
  }
  for (const candidate of await autoOrder()) {
    if (await activate(candidate, options)) return candidate;
  }
  throw new UnetKitError(
    'useBackend',
    'name',
    `is 'auto', but no tfjs backend could be loaded; install @tensorflow/tfjs-backend-cpu (everywhere) or @tensorflow/tfjs-backend-wasm.`,
  );
}

/** The end of useBackend's error for a named backend that did not start: which of three cases. */
function whyNot(name: ConcreteBackend): string {
  const packages = BACKEND_PACKAGES[name];
  const failure = failures.get(name) ?? 'no reason given';
  const installed = `${packages.join(' / ')} is installed`;
  if (!registered(name)) {
    // tfjs-backend-webgpu registers itself only where navigator.gpu exists, so an unregistered
    // webgpu next to a missing navigator.gpu is the "no device" case when the package was found.
    if (failure.startsWith('no Web') && packages.some((p) => imported.has(p))) return `${installed} and there is ${failure}; use 'auto' or another backend.`;
    const noDevice = failure.startsWith('no Web') ? ` (or, if you import it, there is ${failure})` : '';
    return `it is not installed: install ${packages.join(' or ')} (npm install ${packages[0]})${noDevice}, or use 'auto'.`;
  }
  if (failure === 'wasm files not found') {
    return (
      `${installed} but its .wasm files were not found: call setWasmPaths('/path/to/wasm/') from ` +
      `'@tensorflow/tfjs-backend-wasm' before useBackend, with a folder your server serves the ` +
      `tfjs-backend-wasm*.wasm files of node_modules/@tensorflow/tfjs-backend-wasm/dist from (or use 'auto').`
    );
  }
  if (failure.startsWith('no Web')) return `${installed} and there is ${failure}; use 'auto' or another backend.`;
  return `${installed} but the backend failed to start here (${failure}); use 'auto' or another backend.`;
}

/**
 * True when registered backend `name` initializes here (a WebGPU adapter exists, a WebGL context
 * can be made, the wasm binary loads, ...). Initializing a backend keeps it in tfjs' registry for
 * a later `setBackend` but does not activate it.
 */
async function initializes(name: ConcreteBackend): Promise<boolean> {
  const engine = tf.engine();
  if (name in engine.registry) return true;
  // Initializes a backend with a synchronous factory (cpu, tensorflow) and starts an
  // asynchronous one (wasm), which tfjs keeps as its pending initialization.
  const start = async (): Promise<boolean> => {
    if (engine.findBackend(name) != null) return true;
    const pending = (engine as unknown as { pendingBackendInit?: Promise<boolean> | null }).pendingBackendInit;
    if (pending != null) await pending;
    return name in engine.registry;
  };
  if (isNode()) return start();
  const { result, warnings } = await collectingWarnings(start);
  if (!result) failures.set(name, warnings.some((w) => WASM_NOT_FOUND.test(w)) ? 'wasm files not found' : warnings.join('; '));
  return result;
}

/**
 * Lists the backends that can be used here, in `useBackend('auto')`'s order (so a software WebGL
 * or WebGPU device comes after wasm): those whose package is present (loading optional packages
 * to find out) and that have a device or initialize here, so `useBackend(name)` succeeds for each.
 * Nothing is activated (the current backend stays) and nothing prints: GPU backends are judged
 * from a WebGL context / WebGPU adapter probe, and a failed wasm start's warnings are kept back.
 *
 * @returns Backend names in `useBackend('auto')`'s order of preference.
 * @example
 * ```ts
 * import { availableBackends } from 'unet-kit/backend';
 * await availableBackends(); // ['wasm', 'cpu'] in Node without tfjs-node; ['webgl', 'wasm', 'cpu'] in a browser without WebGPU
 * ```
 */
export async function availableBackends(): Promise<ConcreteBackend[]> {
  const found: ConcreteBackend[] = [];
  for (const candidate of await autoOrder()) {
    if (!(await ensureRegistered(candidate))) continue;
    // A GPU backend is listed from its device probe, which starts nothing and prints nothing;
    // autoOrder has already left out one without a device.
    if (candidate === 'webgl' || candidate === 'webgpu' || (await initializes(candidate))) found.push(candidate);
  }
  return found;
}
