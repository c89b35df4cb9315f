// The docs site's wiring, checked without building it (a VitePress + typedoc build takes minutes
// on a 2-core machine; `npm run docs` does that): every sidebar page exists, the API reference
// has one entry point per public floor, and the Node guide's program is the README quick start
// that test/package/readme.test.ts runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const docs = join(root, 'docs');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

describe('docs site', () => {
  it('links every sidebar and nav page of docs/.vitepress/config.mts to a Markdown file in docs/', () => {
    const config = read('docs/.vitepress/config.mts');
    const links = [...config.matchAll(/link: '([^']+)'/g)].map((m) => m[1]!).filter((link) => !link.startsWith('/api/'));
    expect(links.length).toBeGreaterThanOrEqual(8);
    for (const link of links) expect(existsSync(join(docs, `${link}.md`)), `${link} -> docs${link}.md`).toBe(true);
  });

  it('builds the API reference with typedoc-plugin-markdown from every public index.ts, one page per module', () => {
    const typedoc = JSON.parse(read('typedoc.json')) as { plugin: string[]; entryPoints: string[]; out: string; outputFileStrategy: string };
    expect(typedoc.plugin).toEqual(['typedoc-plugin-markdown', 'typedoc-vitepress-theme']);
    expect(typedoc.out).toBe('docs/api');
    expect(typedoc.outputFileStrategy).toBe('modules');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; exports: Record<string, unknown> };
    // The example pages bundle the built package, so the docs script builds it first.
    expect(pkg.scripts.docs).toBe('npm run build && typedoc && vitepress build docs');
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json').map((k) => `src/${k.slice(2)}/index.ts`);
    expect([...typedoc.entryPoints].sort()).toEqual(['src/core/index.ts', ...subpaths].sort());
    for (const entry of typedoc.entryPoints) expect(read(entry), entry).toMatch(/@module unet-kit/);
  });

  it("has the README quick start, which npm test runs, as the Node guide's program", () => {
    const block = (text: string) => /```js\n([\s\S]*?)```/.exec(text.slice(text.indexOf('quickstart.mjs')))?.[1];
    const guide = block(read('docs/guide/getting-started-node.md'));
    expect(guide).toBeDefined();
    expect(guide).toBe(block(read('README.md')));
  });
});
