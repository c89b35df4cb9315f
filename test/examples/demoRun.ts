// One run of a demo script in its own Node process, shared by a test file: started before the
// file's tests with tsx, given a fresh output folder that is removed after them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
/** tsx as a file URL, so `--import` finds it from a folder without node_modules/tsx. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const REPO = new URL('../..', import.meta.url).pathname;

/** What a finished demo run left: its output folder and what it printed. */
export interface DemoRun {
  out: string;
  stdout: string;
}

/**
 * Runs `node --import tsx <script> --quick --out <tmp>` once before the file's tests; `cwd`
 * (default the repository, read when the run starts) is where it runs, `script` relative to it.
 * The returned getter is valid inside tests.
 */
export function useDemoRun(prefix: string, script: string, cwd: () => string = () => REPO): () => DemoRun {
  const result: DemoRun = { out: '', stdout: '' };
  beforeAll(async () => {
    result.out = await mkdtemp(join(tmpdir(), prefix));
    const { stdout } = await run(process.execPath, ['--import', TSX, script, '--quick', '--out', result.out], { cwd: cwd(), timeout: 180_000 });
    result.stdout = stdout;
  }, 200_000);
  afterAll(async () => {
    if (result.out !== '') await rm(result.out, { recursive: true, force: true });
  });
  return () => result;
}
