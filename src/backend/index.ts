/**
 * Backend selection: the only module that loads tfjs backends.
 * @module unet-kit/backend
 */
export { useBackend, availableBackends } from './useBackend.js';
export type { UseBackendOptions } from './useBackend.js';
export { wasmThreads, MAX_WASM_THREADS } from './wasmThreads.js';
export { installKernels, useDirectWebgpuKernels, directWebgpuKernelsOn, useSharedWebglPrograms, sharedWebglProgramsOn } from '../kernels/index.js';
export { BACKEND_NAMES, BACKEND_PACKAGES } from './packages.js';
export type { BackendName, ConcreteBackend } from './packages.js';
export { isNode } from '../core/platform.js';
