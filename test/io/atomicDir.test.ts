import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { writeDirAtomically } from '../../src/io/atomicDir.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { runCrashTrials, wideNet } from '../helpers/crashTrials.js';

let scratch: string;
let counter = 0;
const freshDir = () => join(scratch, `m${counter++}`);

beforeAll(async () => {
  await useBackend('cpu');
  scratch = await mkdtemp(join(tmpdir(), 'unet-kit-atomic-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const wide = () => wideNet(256);

const MODEL_FILES = ['model.json', 'weights.bin'];

describe('writeDirAtomically', () => {
  it('creates, then replaces, the directory; leaves no temporary or previous sibling behind', async () => {
    const dir = freshDir();
    await writeDirAtomically('saveModel', dir, [{ name: 'model.json', data: '1' }], MODEL_FILES);
    await writeDirAtomically('saveModel', dir, [{ name: 'model.json', data: '2' }, { name: 'weights.bin', data: new Uint8Array([1, 2]) }], MODEL_FILES);
    expect(await readFile(join(dir, 'model.json'), 'utf8')).toBe('2');
    expect([...(await readFile(join(dir, 'weights.bin')))]).toEqual([1, 2]);
    expect((await readdir(scratch)).filter((e) => e.includes(dir.split('/').pop()!))).toEqual([dir.split('/').pop()]);
  });

  it('refuses a file, a directory holding other files, and a parent that is a file, naming the caller', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'x');
    const model = wide();
    await expect(saveModel(model, file)).rejects.toThrow(`saveModel: dir is '${file}', which is a file; expected a directory path`);
    await expect(saveModel(model, join(file, 'sub'))).rejects.toThrow(
      new RegExp(`^saveModel: dir is '${file}/sub', whose parent directory cannot be created, because a part of its parent path is a file \\((ENOTDIR|EEXIST)`),
    );
    const shared = freshDir();
    await mkdir(shared);
    await writeFile(join(shared, 'notes.txt'), 'mine');
    await expect(saveModel(model, shared)).rejects.toThrow(/holds entries saveModel did not write \(notes.txt\); saveModel replaces the whole directory/);
    expect(await readFile(join(shared, 'notes.txt'), 'utf8')).toBe('mine');
    model.dispose();
  });

  it('after a crash between the two renames, loadModel reads the previous checkpoint and the next save completes', async () => {
    const model = wide();
    const dir = freshDir();
    await saveModel(model, dir);
    const name = dir.split('/').pop()!;
    // The state a SIGKILL between rename(dir -> previous) and rename(temp -> dir) leaves.
    await rename(dir, join(scratch, `.${name}.previous`));
    await mkdir(join(scratch, `.${name}.tmp-999999999-dead`));
    const restored = await loadModel(dir);
    expect(restored.getLayer('wide').getWeights()[0]!.dataSync()).toEqual(model.getLayer('wide').getWeights()[0]!.dataSync());
    restored.dispose();
    await saveModel(model, dir);
    expect((await readdir(scratch)).filter((e) => e.includes(name))).toEqual([name]);
    model.dispose();
  });
});

describe('saveModel under SIGKILL', () => {
  it('leaves a loadable, whole checkpoint after each of 30 kills at random moments (bench/crashSafety.ts runs more)', async () => {
    const report = await runCrashTrials(join(scratch, 'kills'), { trials: 30, units: 256, maxDelayMs: 150 });
    console.log(`saveModel SIGKILL trials: ${report.trials}, unloadable: ${report.unloadable}, saves completed before each kill: ${report.completedSaves.join(',')}`);
    expect(report.errors).toEqual([]);
    expect(report.unloadable).toBe(0);
    // The kills landed at varied moments: before the first save completed, and after several.
    expect(report.completedSaves.some((n) => n === 0)).toBe(true);
    expect(report.completedSaves.some((n) => n >= 2)).toBe(true);
  }, 60_000);
});
