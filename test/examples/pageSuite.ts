// What the example-page test files (test/examples/pages.*.test.ts) share: the backends, the time
// limits, and one built site and Chromium per file. The pages are split into a file per example
// so vitest's two workers drive two browsers at once (one file of every page ran 389 s, the
// slowest of npm test, its end serialised on one worker).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ExampleName } from '../../docs/examples/build.js';
import type { ExampleState } from '../../docs/examples/shared/page.js';
import { openExampleSite, webgpuAdapter, type ExampleSite } from './examplePages.js';

export const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type PageBackend = (typeof BACKENDS)[number];

// SwiftShader is slow, WebGPU the most (it compiles every kernel's pipeline anew per page): the
// train page's 8 steps took 7 s on wasm, 74 s on WebGL and 172 s on WebGPU on a loaded 2-core machine.
export const PAGE_LIMIT_MS = 400_000;
export const TEST_LIMIT_MS = 420_000;

export const root = join(import.meta.dirname, '..', '..');
export const dataDir = join(root, 'docs', 'examples', 'data');

/** The file's site and what the WebGPU probe found, set by {@link useExampleSite}'s beforeAll. */
export interface SuiteSite {
  readonly site: ExampleSite;
  /** The WebGPU adapter's vendor and architecture, or null when this Chromium has none. */
  readonly adapter: string | null;
  /** True when `backend` cannot run here; then the page must have said why. */
  unavailable(backend: string, state: { status: string; error?: string }): boolean;
}

/** Registers the hooks that build `examples` from dist/, serve them and launch Chromium for this file. */
export function useExampleSite(examples: readonly ExampleName[]): () => SuiteSite {
  let suite: SuiteSite | undefined;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const site = await openExampleSite(examples);
    const adapter = await webgpuAdapter(site);
    suite = {
      site,
      adapter,
      unavailable(backend, state) {
        if (backend !== 'webgpu' || adapter !== null) return false;
        console.log(`WebGPU has no adapter in this Chromium: the ${backend} run checks the page's error instead (${state.error ?? 'no error'})`);
        expect(state.status).toBe('error');
        expect(state.error).toMatch(/webgpu/i);
        return true;
      },
    };
    console.log(
      `example bundles (minified main.js): ${site.built.map((b) => `${b.name} ${b.bundleBytes} bytes`).join(', ')}; WebGPU adapter: ${adapter ?? 'none'}; screenshots of this run: ${site.dir}`,
    );
  }, TEST_LIMIT_MS);
  afterAll(async () => {
    await suite?.site.close();
  });
  return () => {
    if (suite === undefined) throw new Error('the example site is not open: useExampleSite registers a beforeAll that failed');
    return suite;
  };
}

/** The page's warnings, for the timing line (empty when there were none). */
export function warningsNote(warnings: readonly string[]): string {
  return warnings.length > 0 ? `; page warnings: ${[...new Set(warnings)].join(' | ')}` : '';
}

export type { ExampleState };
