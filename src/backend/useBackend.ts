import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { isNode } from '../core/platform.js';
import { installKernels } from '../kernels/index.js';
import {
  AUTO_ORDER,
  BACKEND_NAMES,
  BACKEND_PACKAGES,
  BROWSER_ONLY,
  NODE_ONLY,
  type BackendName,
  type ConcreteBackend,
} from './packages.js';

// The specifier is a variable and the bundler hints say "leave it": a browser bundle of the
// library must not try to resolve Node-only or uninstalled optional packages at build time.
async function importOptional(specifier: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
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

async function activate(name: ConcreteBackend): Promise<boolean> {
  if (!(await ensureRegistered(name))) return false;
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch {
    ok = false;
  }
  if (!ok) return false;
  await tf.ready();
  silenceNodeBanner();
  installKernels(name);
  return true;
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
 *   `@tensorflow/tfjs-node`), `wasm`, `cpu`; in a browser `webgpu`, `webgl`, `wasm`, `cpu`.
 *   It never throws for a missing optional package: it moves on to the next.
 * - A named backend whose package is missing throws a {@link UnetKitError} naming the package.
 *
 * Packages are loaded with dynamic imports the bundler is told to leave alone, so a browser
 * bundle pulls no Node package; in a bundled browser app import the backends you ship
 * (`import '@tensorflow/tfjs-backend-webgl'`) and `useBackend` picks among them.
 *
 * @param name - `'auto' | 'tensorflow' | 'wasm' | 'webgpu' | 'webgl' | 'cpu'`.
 * @returns The backend now active, e.g. `'wasm'`.
 * @example
 * ```ts
 * import { useBackend } from 'unet-kit/backend';
 * const backend = await useBackend(); // 'tensorflow' with tfjs-node, else 'wasm', else 'cpu'
 * ```
 */
export async function useBackend(name: BackendName = 'auto'): Promise<ConcreteBackend> {
  assertOneOf('useBackend', 'name', name, BACKEND_NAMES);
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
    if (await activate(name)) return name;
    const packages = BACKEND_PACKAGES[name].join(' or ');
    throw new UnetKitError(
      'useBackend',
      'name',
      `is '${name}', but it could not be loaded: install ${packages} (npm install ${BACKEND_PACKAGES[name][0]})${
        registered(name)
          ? ` (the package is present but the backend failed to initialize here${
              name === 'wasm' && !isNode() ? "; in a browser call setWasmPaths() from '@tensorflow/tfjs-backend-wasm' first" : ''
            })`
          : ''
      }, or use 'auto'.`,
    );
  }
  for (const candidate of AUTO_ORDER[isNode() ? 'node' : 'browser']) {
    if (await activate(candidate)) return candidate;
  }
  throw new UnetKitError(
    'useBackend',
    'name',
    `is 'auto', but no tfjs backend could be loaded; install @tensorflow/tfjs-backend-cpu (everywhere) or @tensorflow/tfjs-backend-wasm.`,
  );
}

/**
 * True when registered backend `name` initializes here (a WebGPU adapter exists, a WebGL context
 * can be made, the wasm binary loads, ...). Initializing a backend keeps it in tfjs' registry for
 * a later `setBackend` but does not activate it.
 */
async function initializes(name: ConcreteBackend): Promise<boolean> {
  const engine = tf.engine();
  if (name in engine.registry) return true;
  // Initializes a backend with a synchronous factory (cpu, webgl, tensorflow) and starts an
  // asynchronous one (wasm, webgpu), which tfjs keeps as its pending initialization.
  if (engine.findBackend(name) != null) return true;
  const pending = (engine as unknown as { pendingBackendInit?: Promise<boolean> | null }).pendingBackendInit;
  if (pending != null) await pending;
  return name in engine.registry;
}

/**
 * Lists the backends that can be used here, fastest first: those whose package is present (loading
 * optional packages to find out) and that initialize on this machine, so `useBackend(name)`
 * succeeds for each (nothing is activated; the current backend stays).
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
  for (const candidate of AUTO_ORDER[isNode() ? 'node' : 'browser']) {
    if ((await ensureRegistered(candidate)) && (await initializes(candidate))) found.push(candidate);
  }
  return found;
}
