import { averageSurfaceDistance } from '../metrics/averageSurfaceDistance.js';
import { hausdorffDistance } from '../metrics/hausdorff.js';
import { normalizedSurfaceDice } from '../metrics/surfaceDice.js';

/** The scores of one class in one case. NaN where a score is undefined (see {@link scoreClass}). */
export interface ClassScores {
  dice: number;
  iou: number;
  /** 95th-percentile Hausdorff distance, mm (spacing applied). */
  hd95: number;
  /** Average symmetric surface distance, mm. */
  assd: number;
  /** Normalized surface Dice at the tolerance, in [0, 1]. */
  nsd: number;
}

/** Names of {@link ClassScores}, in table order. */
export const SCORE_NAMES = ['dice', 'iou', 'hd95', 'assd', 'nsd'] as const;

/**
 * Scores one class of a label map against the truth: Dice `2TP / (2TP + FP + FN)` and IoU
 * `TP / (TP + FP + FN)` (NaN when the class is absent from both, as MONAI's `DiceMetric` with
 * `ignore_empty`), HD95, ASSD and NSD at `tolerance` mm from unet-kit/metrics (MONAI's
 * definitions on erosion edges, with the voxel `spacing`; NaN when either mask is empty, NSD 0
 * when exactly one is).
 *
 * @param shape - `[D, H, W]` of both arrays; `spacing` in the same order (mm).
 */
export function scoreClass(pred: ArrayLike<number>, truth: ArrayLike<number>, value: number, shape: readonly number[], spacing: readonly number[], tolerance: number): ClassScores {
  const n = pred.length;
  const p = new Uint8Array(n);
  const t = new Uint8Array(n);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const a = pred[i] === value ? 1 : 0;
    const b = truth[i] === value ? 1 : 0;
    p[i] = a;
    t[i] = b;
    if (a && b) tp++;
    else if (a) fp++;
    else if (b) fn++;
  }
  const union = tp + fp + fn;
  // One slice (a PNG) is scored as 2D so the distance transform does not see a 1-voxel axis.
  const spatial = shape[0] === 1 ? shape.slice(1) : [...shape];
  const sp = shape[0] === 1 ? spacing.slice(1) : [...spacing];
  const masks = { pred: { data: p, shape: [1, ...spatial, 1] }, target: { data: t, shape: [1, ...spatial, 1] } };
  return {
    dice: union === 0 ? NaN : (2 * tp) / (2 * tp + fp + fn),
    iou: union === 0 ? NaN : tp / union,
    hd95: hausdorffDistance(masks.pred, masks.target, { percentile: 95, spacing: sp })[0]![0]!,
    assd: averageSurfaceDistance(masks.pred, masks.target, { symmetric: true, spacing: sp })[0]![0]!,
    nsd: normalizedSurfaceDice(masks.pred, masks.target, { tolerance, spacing: sp })[0]![0]!,
  };
}

/**
 * Dice `2 |P ∩ T| / (|P| + |T|)` of two masks given voxel by voxel over `0..n-1` (NaN when both
 * are empty): the per-epoch validation score and the threshold search count it this way.
 */
export function maskDice(n: number, inPred: (i: number) => boolean, inTruth: (i: number) => boolean): number {
  let tp = 0;
  let predicted = 0;
  let actual = 0;
  for (let i = 0; i < n; i++) {
    const p = inPred(i);
    const a = inTruth(i);
    if (p) predicted++;
    if (a) actual++;
    if (p && a) tp++;
  }
  return predicted + actual === 0 ? NaN : (2 * tp) / (predicted + actual);
}

/** Mean over the finite values (NaN when there are none). */
export function finiteMean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/** Per-case results of an evaluation. */
export interface CaseScores {
  id: string;
  /** Scores by label value. */
  classes: Record<string, ClassScores>;
}

/** Scores of every foreground class (every value of `classes` but `background`) in one case. */
export function scoreCase(id: string, pred: ArrayLike<number>, truth: ArrayLike<number>, classes: readonly number[], shape: readonly number[], spacing: readonly number[], tolerance: number): CaseScores {
  return { id, classes: Object.fromEntries(classes.map((c) => [String(c), scoreClass(pred, truth, c, shape, spacing, tolerance)])) };
}

/** Mean of each score per class over cases, and over classes (`'mean'`). */
export function summarize(cases: readonly CaseScores[]): Record<string, ClassScores> {
  const classes = [...new Set(cases.flatMap((c) => Object.keys(c.classes)))];
  const out: Record<string, ClassScores> = {};
  for (const cls of classes) {
    out[cls] = Object.fromEntries(SCORE_NAMES.map((name) => [name, finiteMean(cases.map((c) => c.classes[cls]?.[name] ?? NaN))])) as unknown as ClassScores;
  }
  out.mean = Object.fromEntries(SCORE_NAMES.map((name) => [name, finiteMean(classes.map((cls) => out[cls]![name]))])) as unknown as ClassScores;
  return out;
}

/** The scores as CSV, one row per case and class, then the means (`case` = `mean`). */
export function scoresCsv(cases: readonly CaseScores[]): string {
  const lines = [`case,class,${SCORE_NAMES.join(',')}`];
  const cell = (v: number): string => (Number.isNaN(v) ? '' : String(+v.toPrecision(6)));
  for (const c of cases) for (const [cls, s] of Object.entries(c.classes)) lines.push(`${c.id},${cls},${SCORE_NAMES.map((n) => cell(s[n])).join(',')}`);
  for (const [cls, s] of Object.entries(summarize(cases))) lines.push(`mean,${cls},${SCORE_NAMES.map((n) => cell(s[n])).join(',')}`);
  return `${lines.join('\n')}\n`;
}

/** A fixed-width terminal table: a row per case and class, then the per-class means. */
export function scoresTable(cases: readonly CaseScores[]): string {
  const head = ['case', 'class', 'Dice', 'IoU', 'HD95 mm', 'ASSD mm', 'NSD'];
  const fmt = (v: number, name: string): string => (Number.isNaN(v) ? '-' : name === 'hd95' || name === 'assd' ? v.toFixed(2) : v.toFixed(4));
  const rows = cases.flatMap((c) => Object.entries(c.classes).map(([cls, s]) => [c.id, cls, ...SCORE_NAMES.map((n) => fmt(s[n], n))]));
  const summary = Object.entries(summarize(cases)).map(([cls, s]) => ['mean', cls, ...SCORE_NAMES.map((n) => fmt(s[n], n))]);
  const all = [head, ...rows, ...summary];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...rows.map(line), rule, ...summary.map(line)].join('\n');
}
