// What the registry page and a TypeScript consumer see: the license file, the links, README images
// that resolve off GitHub, and types for every subpath under each moduleResolution mode.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root, useConsumerProject } from './consumer.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  exports: Record<string, unknown>;
  typesVersions: Record<string, Record<string, string[]>>;
};
const SUBPATHS = Object.keys(pkg.exports)
  .filter((key) => key !== '.' && key !== './package.json')
  .map((key) => key.slice(2));
// The registry page renders the README without the repository, so images load from the
// published package on jsDelivr; the path after the prefix is the file in this repo.
const IMAGE_PREFIX = 'https://cdn.jsdelivr.net/npm/unet-kit/';

const consumerDir = useConsumerProject('unet-kit-types-');

describe('package metadata', () => {
  it('ships an Apache-2.0 LICENSE file and names repository, homepage and bugs', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.files).toContain('LICENSE');
    expect(pkg.repository.type).toBe('git');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/unet-kit\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\/.*\/issues$/);
  });

  it('uses README images that resolve on the registry page: absolute URLs of files the package ships', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThan(0);
    for (const url of images) {
      expect(url.startsWith(IMAGE_PREFIX), `${url} is not under ${IMAGE_PREFIX}`).toBe(true);
      const file = url.slice(IMAGE_PREFIX.length);
      expect(existsSync(join(root, file)), `${file} exists`).toBe(true);
      expect(pkg.files, `${file} is in package.json "files"`).toContain(file);
    }
  });

  it('maps every subpath in typesVersions to the .d.ts its exports entry names', () => {
    const map = pkg.typesVersions['*']!;
    expect(Object.keys(map).sort()).toEqual([...SUBPATHS].sort());
    for (const sub of SUBPATHS) {
      const entry = pkg.exports[`./${sub}`] as { import: { types: string } };
      expect(map[sub]).toEqual([entry.import.types]);
    }
  });

  // One tsc run per resolution mode: each imports the root and every subpath and uses a value,
  // so a subpath without types fails with TS2307 (cannot find module).
  for (const [moduleResolution, module] of [
    ['node', 'commonjs'],
    ['node16', 'node16'],
    ['bundler', 'esnext'],
  ] as const) {
    it(`type-checks 'unet-kit' and every 'unet-kit/<subpath>' under moduleResolution "${moduleResolution}"`, async () => {
      const dir = join(consumerDir(), moduleResolution);
      await mkdir(dir, { recursive: true });
      const imports = SUBPATHS.map((sub, i) => `import * as m${i} from 'unet-kit/${sub}';`).join('\n');
      const uses = SUBPATHS.map((_, i) => `m${i}`).join(', ');
      await writeFile(
        join(dir, 'main.ts'),
        `${imports}\nimport { diceLoss } from 'unet-kit/losses';\nimport { unet } from 'unet-kit';\n` +
          `const loss: (yTrue: import('@tensorflow/tfjs-core').Tensor, yPred: import('@tensorflow/tfjs-core').Tensor) => unknown = diceLoss();\n` +
          `export const all = [${uses}, loss, unet];\n`,
      );
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], types: [] },
          files: ['main.ts'],
        }),
      );
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeout: 120_000 }).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error), failed: true }),
      );
      expect('failed' in result ? result.stdout : '', `tsc (${moduleResolution}) output`).toBe('');
    });
  }
});
