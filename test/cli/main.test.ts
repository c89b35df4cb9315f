// The CLI end to end on tiny synthetic data (cpu backend): train a few steps, predict, read the
// written masks back and compare geometry, evaluate against hand-known scores, resume, errors.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { predictEnsemble } from '../../src/cli/infer.js';
import { runCli } from '../../src/cli/main.js';
import { readScan } from '../../src/cli/scans.js';
import { readNifti, writeNifti } from '../../src/data/nifti.js';
import { loadModel, saveModel } from '../../src/io/modelFiles.js';
import { SYNTHETIC_GEOMETRY, writeSyntheticData } from './synthetic.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'unet-kit-cli-'));
  await writeSyntheticData(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in process, collecting what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (l) => out.push(l), error: (l) => err.push(l), progress: { write: () => true, isTTY: false } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const TINY = ['--epochs', '2', '--steps', '2', '--filters', '4,8', '--backend', 'cpu', '--report', '1'];

describe('unet-kit train / predict / evaluate on NIfTI', () => {
  it('trains 2D, writes the plan, log, model, checkpoint and a self-contained report; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const run = join(dir, 'run2d');
    const r = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', run, '--val', 'case2', ...TINY);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.out).toContain('cases: 2 training, 1 validation; median shape (z, y, x) 10 x 20 x 24 voxels at 2.5 x 1.5 x 1.5 mm');
    const plan = JSON.parse(readFileSync(join(run, 'plan.json'), 'utf8'));
    // 2 levels -> multiples of 2; the whole 20 x 24 slice is under the 128^2 budget.
    expect(plan).toMatchObject({ dims: '2', channels: 1, patchSize: [20, 24], filters: [4, 8], labelValues: [0, 1, 2], modality: 'mri', medianSpacing: [2.5, 1.5, 1.5] });
    const log = readFileSync(join(run, 'training-log.csv'), 'utf8').trim().split('\n');
    expect(log[0]).toBe('epoch,loss,val_dice,lr,seconds');
    expect(log).toHaveLength(3);
    // Every epoch logs a finite loss (Dice + CE of 3 classes: between 0 and 1 + ln 3 at the start) and Dice in [0, 1].
    for (const line of log.slice(1)) {
      const [epoch, loss, dice] = line.split(',').map(Number);
      expect(epoch).toBeGreaterThan(0);
      expect(loss).toBeGreaterThan(0);
      expect(loss).toBeLessThan(3);
      expect(dice).toBeGreaterThanOrEqual(0);
      expect(dice).toBeLessThanOrEqual(1);
    }
    for (const f of ['model/model.json', 'checkpoint/model.json', 'loss.png', 'dice.png', 'scores.csv']) expect(existsSync(join(run, f)), f).toBe(true);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Case <b>case2</b>, axial slice');
    expect(html).toContain('false positives (orange), false negatives (yellow)');
    const loss = PNG.sync.read(readFileSync(join(run, 'loss.png')));
    expect([loss.width, loss.height]).toEqual([520, 260]);
  }, 120_000);

  it('predicts masks with the input geometry (shape, pixdim, affine) and label values, and --resume continues the run', async () => {
    const run = join(dir, 'run2d');
    const out = join(dir, 'pred');
    const r = await cli('predict', '--model', run, '--input', join(dir, 'nii/images/case0.nii.gz'), join(dir, 'nii/images/case1.nii.gz'), '--out', out, '--backend', 'cpu');
    expect(r.err).toBe('');
    for (const id of ['case0', 'case1']) {
      const mask = await readNifti(readFileSync(join(out, `${id}.nii.gz`)));
      expect(mask.shape).toEqual(SYNTHETIC_GEOMETRY.shape);
      expect(mask.spacing).toEqual(SYNTHETIC_GEOMETRY.spacing);
      expect(mask.affine).toEqual(SYNTHETIC_GEOMETRY.affine);
      expect(mask.datatype).toBe('uint8');
      expect(new Set(mask.data).size).toBeGreaterThan(0);
      expect([...new Set(mask.data)].every((v) => v === 0 || v === 1 || v === 2)).toBe(true);
    }
    const resumed = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', run, '--resume', ...TINY.map((v) => (v === '2' ? '3' : v)));
    expect(resumed.err).toBe('');
    expect(resumed.out).toContain('resuming at epoch 3 of 3 epochs');
    const rows = readFileSync(join(run, 'training-log.csv'), 'utf8').trim().split('\n');
    expect(rows.map((l) => l.split(',')[0])).toEqual(['epoch', '1', '2', '3']);
  }, 120_000);

  it('--background makes another label value class 0, and predict --largest-component writes the values back', async () => {
    const run = join(dir, 'runbg');
    const t = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', run, '--val', '0', '--background', '2', '--epochs', '1', '--steps', '1', '--filters', '4,8', '--backend', 'cpu', '--report', '0');
    expect(t.err).toBe('');
    expect(t.out).toContain('note: background label value 2 (network class 0)');
    expect(JSON.parse(readFileSync(join(run, 'plan.json'), 'utf8')).labelValues).toEqual([2, 0, 1]);
    const before = tf.memory().numTensors;
    const p = await cli('predict', '--model', run, '--input', join(dir, 'nii/images/case1.nii.gz'), '--out', join(dir, 'predbg/case1.nii.gz'), '--largest-component', '--backend', 'cpu');
    expect(p.err).toBe('');
    expect(p.out).toContain('largest component per class');
    expect(tf.memory().numTensors).toBe(before);
    const mask = await readNifti(readFileSync(join(dir, 'predbg/case1.nii.gz')));
    expect(mask.affine).toEqual(SYNTHETIC_GEOMETRY.affine);
    expect([...new Set(mask.data)].every((v) => v === 0 || v === 1 || v === 2)).toBe(true);
    const bad = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', join(dir, 'runbg2'), '--background', 'x', '--backend', 'cpu');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--background is 'x'; expected an integer >= 0");
    expect((await cli('predict', '--help')).out).toContain('--largest-component');
  }, 120_000);

  it('predict --model A,B ensembles a 2D and a 3D run: the mean of their softmax outputs, as predictEnsemble gives', async () => {
    const run3d = join(dir, 'run3d-ens');
    const t = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', run3d, '--dims', '3', '--val', '0', '--epochs', '1', '--steps', '1', '--filters', '4,8', '--patch-size', '8,16,16', '--backend', 'cpu', '--report', '0');
    expect(t.err).toBe('');
    const runs = [join(dir, 'run2d'), run3d];
    const input = join(dir, 'nii/images/case1.nii.gz');
    const before = tf.memory().numTensors;
    const p = await cli('predict', '--model', runs.join(','), '--input', input, '--out', join(dir, 'predens/case1.nii.gz'), '--backend', 'cpu');
    expect(p.err).toBe('');
    expect(p.out).toContain('ensemble of 2: 2D unet, window 20 x 24 + 3D unet, window 8 x 16 x 16');
    expect(tf.memory().numTensors).toBe(before);
    const mask = await readNifti(readFileSync(join(dir, 'predens/case1.nii.gz')));
    expect(mask.affine).toEqual(SYNTHETIC_GEOMETRY.affine);
    const members = await Promise.all(runs.map(async (r) => ({ model: await loadModel(join(r, 'model')), plan: JSON.parse(readFileSync(join(r, 'plan.json'), 'utf8')) })));
    const expected = await predictEnsemble(members, await readScan(input));
    for (const m of members) m.model.dispose();
    // NIfTI's x-fastest order is the scan's [D, H, W] C order: voxel for voxel.
    expect(Array.from(mask.data)).toEqual(Array.from(expected));
    // Repeating --model is the same as a comma list.
    const repeated = await cli('predict', '--model', runs[0]!, '--model', runs[1]!, '--input', input, '--out', join(dir, 'predens/again.nii.gz'), '--backend', 'cpu');
    expect(repeated.err).toBe('');
    expect(Array.from((await readNifti(readFileSync(join(dir, 'predens/again.nii.gz')))).data)).toEqual(Array.from(mask.data));
    const mixed = await cli('predict', '--model', `${runs[0]},${join(dir, 'runbg')}`, '--input', input, '--out', join(dir, 'predens/x.nii.gz'), '--backend', 'cpu');
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('was trained on label values [2, 0, 1]');
    const auto = await cli('predict', '--model', runs.join(','), '--input', input, '--out', join(dir, 'predens/y.nii.gz'), '--threshold', 'auto', '--backend', 'cpu');
    expect(auto.code).toBe(2);
    expect(auto.err).toContain("--threshold is 'auto' with an ensemble of 2 runs");
  }, 120_000);

  it('train --tune-threshold writes threshold.json chosen on the validation cases; predict --threshold auto applies it', async () => {
    const run = join(dir, 'runthr');
    const t = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', run, '--val', 'case2', '--tune-threshold', 'tta', '--epochs', '1', '--steps', '1', '--filters', '4,8', '--backend', 'cpu', '--report', '0');
    expect(t.err).toBe('');
    const file = JSON.parse(readFileSync(join(run, 'threshold.json'), 'utf8'));
    expect(file.tta).toBe(true);
    expect(file.cases).toEqual(['case2']);
    expect(file.scores).toHaveLength(19);
    // The chosen threshold is the best of the scores it lists, and at least as good as 0.5.
    const best = Math.max(...file.scores.map((s: { dice: number | null }) => s.dice ?? -1));
    expect(file.dice).toBeCloseTo(best, 12);
    expect(file.dice).toBeGreaterThanOrEqual(file.diceAtHalf);
    expect(file.scores.find((s: { threshold: number }) => s.threshold === file.threshold).dice).toBe(file.dice);
    expect(t.out).toContain(`threshold on the validation cases (mirrored TTA): ${file.threshold} (Dice ${file.dice.toFixed(4)}`);
    const before = tf.memory().numTensors;
    const p = await cli('predict', '--model', run, '--input', join(dir, 'nii/images/case1.nii.gz'), '--out', join(dir, 'predthr/case1.nii.gz'), '--threshold', 'auto', '--backend', 'cpu');
    expect(p.err).toBe('');
    expect(p.out).toContain(`foreground threshold ${file.threshold} (chosen on validation case2)`);
    expect(tf.memory().numTensors).toBe(before);
    // An explicit threshold near 0 marks every voxel foreground.
    await cli('predict', '--model', run, '--input', join(dir, 'nii/images/case1.nii.gz'), '--out', join(dir, 'predthr/all.nii.gz'), '--threshold', '0.000001', '--backend', 'cpu');
    const all = await readNifti(readFileSync(join(dir, 'predthr/all.nii.gz')));
    expect([...all.data].every((v) => v !== 0)).toBe(true);
    const noVal = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', join(dir, 'runthr2'), '--val', '0', '--tune-threshold', 'plain', '--epochs', '1', '--steps', '1', '--filters', '4,8', '--backend', 'cpu');
    expect(noVal.code).toBe(2);
    expect(noVal.err).toContain('--tune-threshold needs validation cases (--val)');
    await rm(join(run, 'threshold.json'));
    const noFile = await cli('predict', '--model', run, '--input', join(dir, 'nii/images/case1.nii.gz'), '--out', join(dir, 'predthr/x.nii.gz'), '--threshold', 'auto', '--backend', 'cpu');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("has no threshold.json; train with --tune-threshold");
    const badMode = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', join(dir, 'runthr3'), '--tune-threshold', 'yes', '--backend', 'cpu');
    expect(badMode.err).toContain("--tune-threshold is 'yes'; expected one of plain, tta");
  }, 120_000);

  it('--resume restores Adam, the schedule and the patch sampler: a run stopped after epoch 1 and resumed ends bitwise equal to an uninterrupted one', async () => {
    const train = (out: string, epochs: number, ...more: string[]) =>
      cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', out, '--val', 'case2', '--epochs', String(epochs), '--steps', '2', '--filters', '4,8', '--backend', 'cpu', '--report', '0', ...more);
    const whole = join(dir, 'whole');
    expect((await train(whole, 3)).err).toBe('');
    // Stopped after epoch 1 (the poly schedule's first rate is the initial one for any length), then resumed to 3.
    const part = join(dir, 'part');
    expect((await train(part, 1)).err).toBe('');
    const before = tf.memory().numTensors;
    const resumed = await train(part, 3, '--resume');
    expect(resumed.err).toBe('');
    expect(resumed.out).toContain('resuming at epoch 2 of 3 epochs');
    expect(tf.memory().numTensors).toBe(before);
    // weights.bin of a training state holds the model's weights and Adam's iteration count and moments.
    expect(readFileSync(join(part, 'checkpoint/weights.bin')).equals(readFileSync(join(whole, 'checkpoint/weights.bin')))).toBe(true);
    expect(readFileSync(join(part, 'model/weights.bin')).equals(readFileSync(join(whole, 'model/weights.bin')))).toBe(true);
    const losses = (run: string) => readFileSync(join(run, 'training-log.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 4).join(','));
    expect(losses(part)).toEqual(losses(whole));
    const state = JSON.parse(readFileSync(join(part, 'checkpoint/model.json'), 'utf8')).unetKitTrainingState;
    expect(state).toMatchObject({ epoch: 3, step: 6, optimizer: { className: 'Adam', iterations: 6 } });
    // A checkpoint without a training state (a plain saveModel directory, as earlier versions wrote) is refused, with no leak.
    const plain = await loadModel(join(part, 'checkpoint'));
    await saveModel(plain, join(part, 'checkpoint'));
    plain.dispose();
    const held = tf.memory().numTensors;
    const refused = await train(part, 4, '--resume');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/unet-kit train: --resume cannot continue the run in .* from its checkpoint \(restoreTrainingState: dir is .*holds no training state/);
    expect(tf.memory().numTensors).toBe(held);
  }, 180_000);

  it('evaluates: a perfect prediction scores Dice 1, HD95 0, NSD 1; a one-voxel shift has the hand-computed Dice', async () => {
    const truthDir = join(dir, 'nii/labels');
    const same = await cli('evaluate', '--pred', truthDir, '--truth', truthDir, '--json', join(dir, 'ev/same.json'));
    expect(same.err).toBe('');
    const scores = JSON.parse(readFileSync(join(dir, 'ev/same.json'), 'utf8'));
    expect(scores.mean.mean).toEqual({ dice: 1, iou: 1, hd95: 0, assd: 0, nsd: 1 });
    expect(Object.keys(scores.cases[0].classes)).toEqual(['1', '2']);
    // A 4x4x4 cube against the same cube shifted by one voxel along x (spacing 2 mm):
    // TP 48, FP 16, FN 16 -> Dice 96 / 128 = 0.75, IoU 48 / 80 = 0.6.
    const shape = [8, 8, 8];
    const cube = (shift: number): Uint8Array => {
      const a = new Uint8Array(512);
      for (let k = 2; k < 6; k++) for (let j = 2; j < 6; j++) for (let i = 2 + shift; i < 6 + shift; i++) a[i + 8 * (j + 8 * k)] = 1;
      return a;
    };
    await mkdir(join(dir, 'cp'), { recursive: true });
    await mkdir(join(dir, 'ct'), { recursive: true });
    await writeFile(join(dir, 'cp/cube.nii'), await writeNifti({ data: cube(1), shape, spacing: [2, 2, 2] }));
    await writeFile(join(dir, 'ct/cube.nii'), await writeNifti({ data: cube(0), shape, spacing: [2, 2, 2] }));
    const r = await cli('evaluate', '--pred', join(dir, 'cp'), '--truth', join(dir, 'ct'), '--csv', join(dir, 'ev/cube.csv'), '--tolerance', '2');
    expect(r.out).toMatch(/^cube\s+1\s+0\.7500\s+0\.6000\s/m);
    const csv = readFileSync(join(dir, 'ev/cube.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('case,class,dice,iou,hd95,assd,nsd');
    expect(csv[1]!.startsWith('cube,1,0.75,0.6,2,')).toBe(true);
  }, 60_000);
});

describe('unet-kit on PNG folders', () => {
  it('trains 2.5D, predicts PNG masks of the input size with TTA', async () => {
    const run = join(dir, 'runpng');
    const t = await cli('train', '--images', join(dir, 'png/images'), '--labels', join(dir, 'png/labels'), '--out', run, '--dims', '2.5', ...TINY);
    expect(t.err).toBe('');
    expect(JSON.parse(readFileSync(join(run, 'plan.json'), 'utf8'))).toMatchObject({ dims: '2.5', channels: 3, patchSize: [24, 24], labelValues: [0, 1] });
    const p = await cli('predict', '--model', run, '--input', join(dir, 'png/images/img1.png'), '--out', join(dir, 'pngout/img1.png'), '--tta', '--backend', 'cpu');
    expect(p.err).toBe('');
    const mask = PNG.sync.read(readFileSync(join(dir, 'pngout/img1.png')));
    expect([mask.width, mask.height]).toEqual([24, 24]);
    const values = new Set<number>();
    for (let i = 0; i < mask.data.length; i += 4) values.add(mask.data[i]!);
    expect([...values].every((v) => v === 0 || v === 1)).toBe(true);
  }, 120_000);
});

describe('unet-kit errors', () => {
  it('suggests the flag and the command meant', async () => {
    const flag = await cli('train', '--imgaes', 'x');
    expect(flag.code).toBe(2);
    expect(flag.err).toBe("error: unet-kit train: --imgaes is not a flag of this command. Did you mean '--images'? Run 'unet-kit train --help' for the list.");
    const command = await cli('predcit');
    expect(command.err).toContain("unknown command 'predcit'. Did you mean 'predict'?");
    const choice = await cli('train', '--images', dir, '--labels', dir, '--out', join(dir, 'x'), '--model', 'resUnet');
    expect(choice.err).toContain("--model is 'resUnet'; expected one of unet, resUNet");
    expect((await cli('train', '--help')).out).toContain('--resume');
  });

  it('rejects a malformed call of runCli itself with UnetKitError, naming the argument', async () => {
    const io = { log: () => undefined, error: () => undefined, progress: { write: () => true } };
    await expect(runCli('train' as unknown as string[], io)).rejects.toThrow("runCli: argv is 'train'; expected an array of strings");
    await expect(runCli(['train', 3] as unknown as string[], io)).rejects.toThrow(/runCli: argv is \['train', 3\]/);
    await expect(runCli(['--help'], { log: () => undefined } as unknown as typeof io)).rejects.toThrow(/runCli: io is .*expected \{ log\(line\), error\(line\), progress/);
  });

  it('names both files and geometries when a label does not match its image', async () => {
    await mkdir(join(dir, 'bad/images'), { recursive: true });
    await mkdir(join(dir, 'bad/labels'), { recursive: true });
    await writeFile(join(dir, 'bad/images/a.nii'), await writeNifti({ data: new Float32Array(64), shape: [4, 4, 4], spacing: [1, 1, 1] }));
    await writeFile(join(dir, 'bad/labels/a.nii'), await writeNifti({ data: new Uint8Array(48), shape: [4, 4, 3], spacing: [1, 1, 2] }));
    const r = await cli('train', '--images', join(dir, 'bad/images'), '--labels', join(dir, 'bad/labels'), '--out', join(dir, 'badrun'), '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.err).toContain("case 'a' has mismatched geometry");
    expect(r.err).toContain('is [4, 4, 4] voxels (z, y, x) at [1, 1, 1] mm but');
    expect(r.err).toContain('is [3, 4, 4] voxels (z, y, x) at [2, 1, 1] mm');
    expect(existsSync(join(dir, 'badrun'))).toBe(false);
  });

  it('names an unreadable file, a missing partner and a run folder that would be overwritten', async () => {
    await writeFile(join(dir, 'bad/labels/b.nii.gz'), 'not a nifti');
    await writeFile(join(dir, 'bad/images/b.nii.gz'), await writeNifti({ data: new Float32Array(64), shape: [4, 4, 4] }, { gzip: true }));
    const r = await cli('evaluate', '--pred', join(dir, 'bad/labels/b.nii.gz'), '--truth', join(dir, 'bad/labels/b.nii.gz'));
    expect(r.err).toContain('b.nii.gz is not a readable NIfTI file');
    const missing = await cli('evaluate', '--pred', join(dir, 'nii/labels'), '--truth', join(dir, 'png/labels'));
    expect(missing.err).toContain("--truth has no file for case 'case0'");
    await mkdir(join(dir, 'taken'), { recursive: true });
    await writeFile(join(dir, 'taken/plan.json'), '{}');
    const again = await cli('train', '--images', join(dir, 'nii/images'), '--labels', join(dir, 'nii/labels'), '--out', join(dir, 'taken'));
    expect(again.err).toContain('already holds a run (plan.json); pass --resume');
  });
});
