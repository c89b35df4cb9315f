import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';

// Shared through the global symbol registry so a second copy of unet-kit (ESM + CJS in one
// process) recognizes the first one's kernels instead of wrapping them.
const MARK = Symbol.for('unet-kit.kernel');
const stock = new Map<string, tf.KernelConfig>();
const replaced = new Set<string>();

const key = (kernelName: string, backendName: string) => `${backendName}/${kernelName}`;

/** True when the kernel registered now for (`kernelName`, `backendName`) is unet-kit's. */
export function isUnetKitKernel(kernelName: string, backendName: string): boolean {
  const kernel = tf.getKernel(kernelName, backendName);
  return kernel !== undefined && (kernel.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

/**
 * Registers `config`, replacing (and remembering) the stock kernel of the same name. The stock
 * kernel's `setupFunc`/`disposeFunc` are kept on the replacement: wasm kernels bind their C
 * functions in `setupFunc`, and a replacement may fall back to the stock kernel.
 *
 * @returns false when a unet-kit kernel is already registered there (idempotent).
 */
export function replaceKernel(config: tf.KernelConfig): boolean {
  const { kernelName, backendName } = config;
  if (isUnetKitKernel(kernelName, backendName)) return false;
  const existing = tf.getKernel(kernelName, backendName);
  if (existing !== undefined) {
    stock.set(key(kernelName, backendName), existing);
    tf.unregisterKernel(kernelName, backendName);
  }
  replaced.add(key(kernelName, backendName));
  (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  tf.registerKernel({
    ...config,
    ...(existing?.setupFunc !== undefined ? { setupFunc: existing.setupFunc } : {}),
    ...(existing?.disposeFunc !== undefined ? { disposeFunc: existing.disposeFunc } : {}),
  });
  return true;
}

/**
 * The kernel tfjs registered for (`kernelName`, `backendName`) before unet-kit replaced it
 * (`undefined` where tfjs had none). Remembered at replacement, so it stays right when someone
 * wraps the registered kernels later (a profiler, say).
 */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const k = key(kernelName, backendName);
  if (replaced.has(k)) return stock.get(k);
  return isUnetKitKernel(kernelName, backendName) ? undefined : tf.getKernel(kernelName, backendName);
}

/**
 * A kernel function that runs the stock kernel (`stockKernel`) of (`kernelName`, `backendName`),
 * looked up when called: a wrapper can be built before the backend registers its kernels.
 * Throws where tfjs has no such kernel, naming it, instead of failing on `undefined`.
 */
export function stockKernelFunc(kernelName: string, backendName: string): tf.KernelFunc {
  return (args) => {
    const config = stockKernel(kernelName, backendName);
    if (config === undefined) throw new UnetKitError('unet-kit kernels', 'kernelName', `is '${kernelName}', which has no stock kernel on backend '${backendName}'; import the backend package before installKernels().`);
    return config.kernelFunc(args);
  };
}
