// chooseThreshold picks the foreground probability cut with the best mean validation Dice
// (hand-computed cases), and resolveThreshold reads `--threshold auto|P`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { chooseThreshold, resolveThreshold, THRESHOLD_CANDIDATES } from '../../src/cli/threshold.js';

// Case A: at 0.1 all four are foreground (Dice 2*3/(4+3) = 6/7); at 0.3 the three true voxels
// (Dice 1); at 0.5 two of them (4/5); at 0.7 one (2/4).
const A = { foreground: [0.9, 0.6, 0.4, 0.2], truth: [1, 1, 1, 0] };
// Case B: at 0.1 both (2/3); at 0.3 the true one (1); from 0.5 none (0).
const B = { foreground: Float32Array.from([0.45, 0.1]), truth: Uint8Array.from([1, 0]) };

describe('chooseThreshold', () => {
  it('one case: the best candidate, its Dice, the Dice at 0.5 and every score', () => {
    const r = chooseThreshold([A], [0.1, 0.3, 0.5, 0.7]);
    expect(r.threshold).toBe(0.3);
    expect(r.dice).toBe(1);
    expect(r.diceAtHalf).toBeCloseTo(0.8, 12);
    expect(r.scores.map((s) => s.threshold)).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(r.scores.map((s) => s.dice)).toEqual([6 / 7, 1, 0.8, 0.5].map((d) => expect.closeTo(d, 12)));
  });

  it('several cases: the mean of the per-case Dice; a case with nothing at a threshold does not count there', () => {
    const r = chooseThreshold([A, B], [0.1, 0.3, 0.5, 0.7]);
    expect(r.threshold).toBe(0.3);
    expect(r.scores.map((s) => s.dice)).toEqual([(6 / 7 + 2 / 3) / 2, 1, 0.4, 0.25].map((d) => expect.closeTo(d, 12)));
    expect(r.diceAtHalf).toBeCloseTo(0.4, 12);
    // C has no foreground in truth: Dice 0 where it predicts some (0.1), undefined above 0.2.
    const C = { foreground: [0.2, 0.2], truth: [false, false] };
    const withC = chooseThreshold([A, C], [0.1, 0.3]);
    expect(withC.scores.map((s) => s.dice)).toEqual([(6 / 7 + 0) / 2, 1].map((d) => expect.closeTo(d, 12)));
  });

  it('a tie goes to the candidate nearest 0.5; the default grid is 0.05..0.95', () => {
    const perfect = { foreground: [0.9, 0.1], truth: [1, 0] };
    expect(chooseThreshold([perfect], [0.2, 0.45, 0.8]).threshold).toBe(0.45);
    expect(chooseThreshold([perfect]).threshold).toBe(0.5);
    expect(THRESHOLD_CANDIDATES).toHaveLength(19);
    expect(THRESHOLD_CANDIDATES[0]).toBe(0.05);
    expect(THRESHOLD_CANDIDATES[18]).toBe(0.95);
    expect(THRESHOLD_CANDIDATES[9]).toBe(0.5);
  });

  it('rejects no case, mismatched lengths, a bad probability, a bad candidate and no foreground anywhere', () => {
    expect(() => chooseThreshold([])).toThrow(/chooseThreshold.*cases.*is empty/);
    expect(() => chooseThreshold([{ foreground: [0.5], truth: [1, 0] }])).toThrow(/cases\[0\].*1 probabilities but 2 truth voxels/);
    expect(() => chooseThreshold([A, { foreground: [1.5], truth: [1] }])).toThrow(/cases\[1\]\.foreground\[0\].*is 1.5/);
    expect(() => chooseThreshold([{ foreground: [NaN], truth: [1] }])).toThrow(UnetKitError);
    expect(() => chooseThreshold([A], [0.5, 1])).toThrow(/candidates.*\(0, 1\)/);
    expect(() => chooseThreshold([A], [])).toThrow(/candidates/);
    expect(() => chooseThreshold([{ foreground: [0.1, 0.2], truth: [0, 0] }], [0.5])).toThrow(/no foreground.*undefined/);
  });
});

describe('resolveThreshold', () => {
  let run: string;
  beforeAll(async () => {
    run = await mkdtemp(join(tmpdir(), 'unet-kit-threshold-'));
  });
  afterAll(async () => {
    await rm(run, { recursive: true, force: true });
  });

  it('a number in (0, 1) as given; auto from the run folder threshold.json', async () => {
    expect(await resolveThreshold('predict', run, '0.35')).toEqual({ threshold: 0.35, source: 'given' });
    await expect(resolveThreshold('predict', run, 'auto')).rejects.toThrow(/--threshold.*is 'auto' but .* has no threshold.json; train with --tune-threshold/);
    await writeFile(join(run, 'threshold.json'), JSON.stringify({ threshold: 0.4, cases: ['val'] }));
    expect(await resolveThreshold('predict', run, 'auto')).toEqual({ threshold: 0.4, source: 'chosen on validation val' });
    await writeFile(join(run, 'threshold.json'), JSON.stringify({ threshold: 2 }));
    await expect(resolveThreshold('predict', run, 'auto')).rejects.toThrow(/without a threshold in \(0, 1\) \(got 2\)/);
  });

  it('rejects 0, 1, words and an empty value', async () => {
    for (const bad of ['0', '1', 'half', '', '-0.2']) await expect(resolveThreshold('predict', run, bad)).rejects.toThrow(/unet-kit predict.*--threshold.*expected a number in \(0, 1\) or 'auto'/);
  });
});
