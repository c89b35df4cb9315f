/**
 * True when running under Node.js (not a browser or a web worker).
 *
 * @example `if (isNode()) await saveModel(model, './checkpoints/unet');`
 */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}
