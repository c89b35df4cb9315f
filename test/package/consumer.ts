// A consumer project for the package tests: a temp folder whose node_modules links unet-kit to
// this repo and the tfjs peers to the repo's copies, so Node resolves `unet-kit` through
// package.json's exports map exactly as an installed package.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The repository root. */
export const root = join(import.meta.dirname, '..', '..');

/**
 * Creates the consumer project before the file's tests and removes it after; the returned
 * getter gives its path (valid inside tests).
 */
export function useConsumerProject(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    dir = await mkdtemp(join(tmpdir(), prefix));
    await mkdir(join(dir, 'node_modules'));
    await symlink(root, join(dir, 'node_modules', 'unet-kit'), 'dir');
    await symlink(join(root, 'node_modules', '@tensorflow'), join(dir, 'node_modules', '@tensorflow'), 'dir');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
