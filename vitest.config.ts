import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/helpers/slowFirst.js';

/** Test files that each get a fresh worker process (see `projects`). */
const ISOLATED = ['backend', 'browser', 'examples', 'docs', 'bench', 'package'].map((dir) => `test/${dir}/**/*.test.ts`);

const src = fileURLToPath(new URL('./src/', import.meta.url));

export default defineConfig({
  // The shipped examples import the package by name (`unet-kit/data`, ...), as a consumer's code
  // does; in the tests that name is this checkout's src/, as tsconfig.json's paths map it for tsc and tsx.
  resolve: {
    alias: [
      { find: /^unet-kit$/, replacement: `${src}index.ts` },
      { find: /^unet-kit\/([a-z]+)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    // The JSON report lets .ci/run print a plain 'N passed, N failed' closing line.
    reporters: ['default', ['json', { outputFile: 'out/test-results.json' }]],
    // Most files run several to a worker process (`isolate: false`): loading tfjs, its backends and
    // the library again for each of ~200 files was 177 s of the two workers' time (setup 130 s,
    // import 47 s; the 181 unit files took 356 s isolated, 174 s shared). The files that need a
    // fresh process keep one: the backend suites (they check which backends are registered), and
    // the browser, example, docs, bench and package suites (long, few, each with its own server or
    // child processes).
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
