/**
 * True when running under Node.js (not a browser or a web worker).
 *
 * @example `if (isNode()) await saveModel(model, './checkpoints/unet');`
 */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

/**
 * Imports Node's built-in module `node:${name}` (e.g. `'fs/promises'`, `'worker_threads'`).
 * The specifier is built at run time and marked for bundlers to leave alone, so a browser bundle
 * of unet-kit neither fails on nor pulls in Node's built-ins. Callers check {@link isNode} first
 * and throw their own `UnetKitError` outside Node.
 *
 * @example `const fs = await importNodeBuiltin<typeof import('node:fs/promises')>('fs/promises');`
 */
export async function importNodeBuiltin<M>(name: string): Promise<M> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`)) as M;
}
