/**
 * Backend names `useBackend` accepts.
 *
 * @example `BACKEND_NAMES.includes('wasm')` is `true`: check a name from a command line before `useBackend(name)`.
 */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'webgpu', 'webgl', 'cpu'] as const;
/** A backend name for {@link useBackend}; `'auto'` picks the fastest present. */
export type BackendName = (typeof BACKEND_NAMES)[number];
/** A concrete backend (not `'auto'`). */
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/**
 * The npm packages that provide each backend, in the order they are tried.
 *
 * @example `BACKEND_PACKAGES.tensorflow` is `['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']`.
 */
export const BACKEND_PACKAGES: Record<ConcreteBackend, readonly string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

/**
 * Preference order of `'auto'`, fastest first. In a browser a GPU backend on a software device
 * moves down to just above `cpu` (see `useBackend`).
 */
export const AUTO_ORDER: Record<'node' | 'browser', readonly ConcreteBackend[]> = {
  node: ['tensorflow', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};

/** Backends that exist only in Node (native bindings) or only in browsers (GPU APIs). */
export const NODE_ONLY: readonly ConcreteBackend[] = ['tensorflow'];
export const BROWSER_ONLY: readonly ConcreteBackend[] = ['webgpu', 'webgl'];
