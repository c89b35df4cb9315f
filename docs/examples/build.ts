// Builds the live example pages into a static folder: each docs/examples/<name>/main.ts bundled
// by esbuild against the built package (dist/, as `import ... from 'unet-kit/...'` resolves for a
// user), with its index.html, the shared stylesheet, the brain data and tfjs' .wasm files.
// `npm run docs` calls it from VitePress' buildEnd (docs/.vitepress/config.mts) to put the pages
// under <site>/live/; the end-to-end tests build into a temporary folder.
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

// From import.meta.url: VitePress bundles this file into its config, where only that is rewritten.
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

/** The example pages, in the order the site lists them. */
export const EXAMPLES = ['train', 'augment', 'predict', 'volume3d'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

// 'unet-kit' and 'unet-kit/<floor>' -> dist/<floor>/index.js: the package's ESM exports.
const builtPackage: Plugin = {
  name: 'unet-kit-dist',
  setup(context) {
    context.onResolve({ filter: /^unet-kit(\/[a-z]+)?$/ }, ({ path }) => ({ path: join(root, 'dist', path.slice('unet-kit'.length), 'index.js') }));
  },
};

/** What {@link buildExamples} wrote: per example, the bundle's size in bytes. */
export interface BuiltExample {
  name: ExampleName;
  bundleBytes: number;
}

/**
 * Builds the examples into `outDir` (`outDir/<name>/index.html`, `outDir/data/`, `outDir/wasm/`):
 * every one, or only those in `options.only` (a test file that drives one page builds one bundle).
 */
export async function buildExamples(outDir: string, options: { minify?: boolean; only?: readonly ExampleName[] } = {}): Promise<BuiltExample[]> {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('buildExamples: dist/ is missing: run `npm run build` first.');
  const { minify = true, only = EXAMPLES } = options;
  const unknown = only.filter((name) => !(EXAMPLES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`buildExamples: no example named ${unknown.join(', ')}; the examples are ${EXAMPLES.join(', ')}.`);
  const built: BuiltExample[] = [];
  for (const name of EXAMPLES.filter((example) => only.includes(example))) {
    const target = join(outDir, name);
    await mkdir(target, { recursive: true });
    const result = await build({
      entryPoints: [join(here, name, 'main.ts')],
      outfile: join(target, 'main.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify,
      metafile: true,
      logLevel: 'silent',
      plugins: [builtPackage],
    });
    await copyFile(join(here, name, 'index.html'), join(target, 'index.html'));
    const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('main.js'))!;
    built.push({ name, bundleBytes: output[1].bytes });
  }
  await mkdir(join(outDir, 'shared'), { recursive: true });
  await copyFile(join(here, 'shared', 'style.css'), join(outDir, 'shared', 'style.css'));
  await mkdir(join(outDir, 'data'), { recursive: true });
  await cp(join(here, 'data'), join(outDir, 'data'), { recursive: true });
  await mkdir(join(outDir, 'wasm'), { recursive: true });
  const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const file of WASM_FILES) await copyFile(join(wasmDir, file), join(outDir, 'wasm', file));
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (outDir === undefined) throw new Error('usage: node --import tsx docs/examples/build.ts <out-dir>');
  for (const { name, bundleBytes } of await buildExamples(outDir)) console.log(`${name}: main.js ${bundleBytes} bytes`);
}
