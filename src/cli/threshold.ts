import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnetKitError } from '../core/errors.js';
import { maskDice } from './scores.js';

/** The candidate thresholds {@link chooseThreshold} tries by default: 0.05, 0.10, ..., 0.95. */
export const THRESHOLD_CANDIDATES: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** One validation case for {@link chooseThreshold}: the network's foreground probability and the truth, voxel by voxel. */
export interface ThresholdCase {
  /** P(voxel is not background), in [0, 1] (1 - the background class's softmax). */
  foreground: ArrayLike<number>;
  /** 1 (or true) where the reference labels any foreground class, 0 elsewhere; same length. */
  truth: ArrayLike<number | boolean>;
}

/** What {@link chooseThreshold} decided, and the evidence. */
export interface ThresholdChoice {
  /** The candidate with the highest mean validation Dice (ties: the one closest to 0.5). */
  threshold: number;
  /** Mean foreground Dice over the cases at `threshold`. */
  dice: number;
  /** Mean foreground Dice at 0.5 (the plain argmax of a two-class network), for comparison. */
  diceAtHalf: number;
  /** Every candidate's mean Dice, in the order tried. */
  scores: Array<{ threshold: number; dice: number }>;
}

/** What `unet-kit train --tune-threshold` writes as `threshold.json` in the run folder. */
export interface ThresholdFile extends ThresholdChoice {
  /** Whether the validation predictions were mirrored (TTA), as `predict --tta` makes them. */
  tta: boolean;
  /** The validation cases the threshold was chosen on. */
  cases: string[];
}

/** Dice of `prediction = foreground >= t` against `truth`; NaN when both are empty. */
function diceAt(c: ThresholdCase, t: number): number {
  return maskDice(c.foreground.length, (i) => c.foreground[i]! >= t, (i) => Number(c.truth[i]) !== 0);
}

function meanDiceAt(cases: readonly ThresholdCase[], t: number): number {
  const scores = cases.map((c) => diceAt(c, t)).filter((d) => !Number.isNaN(d));
  return scores.length === 0 ? NaN : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/**
 * Chooses the foreground probability threshold that maximizes the mean Dice over validation
 * cases: post-processing decided on the validation predictions, not on the test data, as
 * nnU-Net decides its post-processing (Isensee et al., Nature Methods 2021,
 * `nnUNetv2_determine_postprocessing`). A network trained with Dice + cross-entropy on patches
 * whose foreground share differs from whole scans is not calibrated at 0.5; a systematic band
 * of false negatives along an organ's edge shows as a best threshold below 0.5.
 *
 * @param cases - validation cases: foreground probability and truth per voxel (equal lengths).
 * @param candidates - thresholds to try, each in (0, 1). Default {@link THRESHOLD_CANDIDATES}.
 * @returns the chosen threshold, its Dice, the Dice at 0.5 and every candidate's Dice.
 * @throws UnetKitError when there is no case, lengths differ, a probability is outside [0, 1]
 *   or NaN, a candidate is outside (0, 1), or no case holds any foreground (Dice undefined).
 * @example `chooseThreshold([{ foreground: [0.9, 0.4, 0.1], truth: [1, 1, 0] }], [0.3, 0.5]).threshold` is `0.3`
 */
export function chooseThreshold(cases: readonly ThresholdCase[], candidates: readonly number[] = THRESHOLD_CANDIDATES): ThresholdChoice {
  const fn = 'chooseThreshold';
  if (!Array.isArray(cases) || cases.length === 0) throw new UnetKitError(fn, 'cases', 'is empty; give at least one validation case.');
  if (!Array.isArray(candidates) || candidates.length === 0 || candidates.some((t) => typeof t !== 'number' || !(t > 0 && t < 1))) {
    throw new UnetKitError(fn, 'candidates', `is [${String(candidates)}]; expected a non-empty list of numbers in (0, 1).`);
  }
  cases.forEach((c, k) => {
    if (c.foreground.length !== c.truth.length) throw new UnetKitError(fn, `cases[${k}]`, `has ${c.foreground.length} probabilities but ${c.truth.length} truth voxels; they must match.`);
    for (let i = 0; i < c.foreground.length; i++) {
      const p = c.foreground[i]!;
      if (!(p >= 0 && p <= 1)) throw new UnetKitError(fn, `cases[${k}].foreground[${i}]`, `is ${p}; a probability must be in [0, 1].`);
    }
  });
  const scores = candidates.map((threshold) => ({ threshold, dice: meanDiceAt(cases, threshold) }));
  if (scores.every((s) => Number.isNaN(s.dice))) throw new UnetKitError(fn, 'cases', 'hold no foreground, in truth or prediction, at any threshold; Dice is undefined.');
  let best = scores[0]!;
  for (const s of scores) {
    // Scores within 1e-9 are a tie (the same voxels flip); the threshold nearer 0.5 changes less.
    if (Number.isNaN(best.dice) || s.dice > best.dice + 1e-9 || (Math.abs(s.dice - best.dice) <= 1e-9 && Math.abs(s.threshold - 0.5) < Math.abs(best.threshold - 0.5))) best = s;
  }
  return { threshold: best.threshold, dice: best.dice, diceAtHalf: meanDiceAt(cases, 0.5), scores };
}

/**
 * The threshold `unet-kit predict --threshold` asks for: a number in (0, 1), or `auto` for the
 * one `unet-kit train --tune-threshold` stored in the run folder's `threshold.json`.
 *
 * @throws UnetKitError naming `--threshold` for a bad value or a run without `threshold.json`.
 */
export async function resolveThreshold(command: string, run: string, raw: string): Promise<{ threshold: number; source: string }> {
  if (raw === 'auto') {
    const path = join(run, 'threshold.json');
    if (!existsSync(path)) throw new UnetKitError(`unet-kit ${command}`, '--threshold', `is 'auto' but '${run}' has no threshold.json; train with --tune-threshold, or give a number in (0, 1).`);
    const file = JSON.parse(await readFile(path, 'utf8')) as Partial<ThresholdFile>;
    if (typeof file.threshold !== 'number' || !(file.threshold > 0 && file.threshold < 1)) throw new UnetKitError(`unet-kit ${command}`, '--threshold', `found '${path}' without a threshold in (0, 1) (got ${String(file.threshold)}).`);
    return { threshold: file.threshold, source: `chosen on validation ${(file.cases ?? []).join(', ')}` };
  }
  const value = Number(raw);
  if (raw.trim() === '' || !(value > 0 && value < 1)) throw new UnetKitError(`unet-kit ${command}`, '--threshold', `is '${raw}'; expected a number in (0, 1) or 'auto'.`);
  return { threshold: value, source: 'given' };
}
