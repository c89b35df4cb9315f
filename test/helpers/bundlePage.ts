// The files of a one-script test page for a static server: an index page loading /bundle.js
// (the entry bundled for the browser with esbuild, from the repository root) and tfjs' three wasm
// binaries, under `wasmPrefix`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..');
const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Bundles `entry` (ES module source; imports resolve from the repository root) and returns the
 * page's files by URL path. Throws when dist/ is missing: the pages import the built package.
 */
export async function bundlePageFiles(entry: string, wasmPrefix = '/'): Promise<Map<string, Buffer | string>> {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  const bundled = await build({ stdin: { contents: entry, resolveDir: root, loader: 'js' }, bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent' });
  const files = new Map<string, Buffer | string>([
    ['/', '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>'],
    ['/bundle.js', bundled.outputFiles[0]!.text],
  ]);
  for (const name of WASM_FILES) files.set(`${wasmPrefix}${name}`, await readFile(join(wasmDir, name)));
  return files;
}
