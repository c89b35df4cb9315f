// The README's quick start, pasted into a consumer project as the README says, must run and learn.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root, useConsumerProject } from './consumer.js';

const run = promisify(execFile);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first ```js block after the "Save as `quickstart.mjs`" sentence. */
function quickStart(): string {
  const match = /Save as `quickstart\.mjs`[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  if (match === null) throw new Error('README.md has no quick start block after "Save as `quickstart.mjs`"');
  return match[1]!;
}

const consumerDir = useConsumerProject('unet-kit-readme-');

describe('README quick start', () => {
  it('runs when pasted and segments the toy squares (Dice > 0.9)', async () => {
    await writeFile(join(consumerDir(), 'quickstart.mjs'), quickStart());
    const { stdout } = await run(process.execPath, ['quickstart.mjs'], { cwd: consumerDir(), timeout: 180_000 });
    expect(stdout).toMatch(/^backend: (wasm|tensorflow|cpu)$/m);
    const dice = /^Dice: ([0-9.]+)$/m.exec(stdout);
    expect(dice, `quick start printed:\n${stdout}`).not.toBeNull();
    expect(Number(dice![1])).toBeGreaterThan(0.9);
  });

  it('is the same program as docs/guide/getting-started-node.md shows (so this test runs both)', () => {
    const guide = readFileSync(join(root, 'docs', 'guide', 'getting-started-node.md'), 'utf8');
    const block = /Save as `quickstart\.mjs`[\s\S]*?```js\n([\s\S]*?)```/.exec(guide);
    expect(block?.[1]).toBe(quickStart());
  });

  it('shows the two set-up commands CI and users run', () => {
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm ci && npm test$/m);
  });
});
