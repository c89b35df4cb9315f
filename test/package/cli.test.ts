// `npx unet-kit ...` from a consumer project, through package.json's "bin" and the built dist/
// (npm links bin entries into node_modules/.bin on install; the fixture does the same).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticData } from '../cli/synthetic.js';
import { readNifti } from '../../src/data/nifti.js';
import { root, useConsumerProject } from './consumer.js';

const run = promisify(execFile);
const consumerDir = useConsumerProject('unet-kit-cli-');
const npx = (args: string[]) => run('npx', ['--no-install', 'unet-kit', ...args], { cwd: consumerDir(), timeout: 240_000 });

beforeAll(async () => {
  const bin = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin as Record<string, string>;
  await mkdir(join(consumerDir(), 'node_modules', '.bin'));
  for (const [name, target] of Object.entries(bin)) await symlink(join('..', 'unet-kit', target), join(consumerDir(), 'node_modules', '.bin', name));
  await writeSyntheticData(join(consumerDir(), 'data'), 2);
});

describe('npx unet-kit', () => {
  it('prints the commands with --help, and the flags of a command', async () => {
    const { stdout } = await npx(['--help']);
    expect(stdout).toContain('usage: unet-kit <command> [flags]');
    expect(stdout).toMatch(/^ {2}train {6}plan and train/m);
    expect((await npx(['predict', '--help'])).stdout).toContain('--tta');
  });

  it('exits 2 with a did-you-mean on a mistyped flag', async () => {
    const error = await npx(['evaluate', '--prd', 'x']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain("Did you mean '--pred'?");
  });

  it('trains, predicts and evaluates from the consumer project', async () => {
    await npx(['train', '--images', 'data/nii/images', '--labels', 'data/nii/labels', '--out', 'runs/a', '--val', '0', '--epochs', '1', '--steps', '1', '--filters', '4,8', '--backend', 'cpu', '--report', '1']);
    await npx(['predict', '--model', 'runs/a', '--input', 'data/nii/images', '--out', 'pred', '--backend', 'cpu']);
    const mask = await readNifti(readFileSync(join(consumerDir(), 'pred', 'case1.nii.gz')));
    expect(mask.shape).toEqual([24, 20, 10]);
    const { stdout } = await npx(['evaluate', '--pred', 'data/nii/labels', '--truth', 'data/nii/labels']);
    expect(stdout).toMatch(/^mean\s+mean\s+1\.0000\s+1\.0000\s+0\.00\s+0\.00\s+1\.0000$/m);
  }, 240_000);
});
