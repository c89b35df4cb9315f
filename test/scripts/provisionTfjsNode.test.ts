import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tensorflowAvailability } from '../helpers/tensorflowBackend.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'scripts', 'provision-tfjs-node.mjs');
const marker = join(root, '.cache', 'tfjs-node', 'provisioned.json');

describe('scripts/provision-tfjs-node.mjs', () => {
  it('without a usable wheel says it skipped and why, exits 0 and keeps an existing copy', async () => {
    const had = existsSync(marker);
    const { stdout } = await run(process.execPath, [script, '--force'], {
      cwd: root,
      env: { ...process.env, UNET_KIT_TF_WHEEL: '/nonexistent/tensorflow_cpu.whl' },
      timeout: 60_000,
    });
    expect(stdout).toContain("provision-tfjs-node: skipped: UNET_KIT_TF_WHEEL is '/nonexistent/tensorflow_cpu.whl', which does not exist.");
    expect(stdout).toContain('npm install @tensorflow/tfjs-node');
    expect(existsSync(marker)).toBe(had);
  });

  it.runIf(existsSync(marker))('is idempotent: a second run reuses the provisioned copy', async () => {
    const { stdout } = await run(process.execPath, [script], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^provision-tfjs-node: already provisioned \(\{"tfjsNode":"4\.22\.0","tensorflow":"2\.21\.0",.*"backend":"tensorflow"/m);
    expect(tensorflowAvailability().available).toBe(true);
  });
});
