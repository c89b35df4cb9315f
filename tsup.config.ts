import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineConfig } from 'tsup';
import { toCjsSpecifiers } from './scripts/cjsSpecifiers.mjs';

// The CJS files would require the ESM '.js' files; point them at their '.cjs' siblings instead
// (one module graph per format).
async function pointCjsAtCjs(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await pointCjsAtCjs(path);
    else if (entry.name.endsWith('.cjs')) {
      const text = await readFile(path, 'utf8');
      const fixed = toCjsSpecifiers(text);
      if (fixed !== text) await writeFile(path, fixed);
    }
  }
}

// Unbundled per-file output (every src file is an entry) so bundlers can drop unused modules
// and so the side-effect list in package.json (layers, kernels) maps to real files. The type
// declarations come from tsc (scripts/declarations.mjs), not from tsup's slower `dts` pass.
export default defineConfig({
  entry: ['src/**/*.ts'],
  format: ['esm', 'cjs'],
  dts: false,
  bundle: false,
  splitting: false,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  outDir: 'dist',
  platform: 'neutral',
  onSuccess: () => pointCjsAtCjs('dist'),
});
