import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/helpers/slowFirst.js';

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
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    // The JSON report lets .ci/run print a plain 'N passed, N failed' closing line.
    reporters: ['default', ['json', { outputFile: 'out/test-results.json' }]],
  },
});
