import { OVERLAY_COLOURS } from './overlay.js';
import type { TrainingPlan } from './plan.js';
import { SCORE_NAMES, summarize, type CaseScores } from './scores.js';

/** One overlay figure of the report. */
export interface ReportFigure {
  caseId: string;
  slice: number;
  png: Buffer;
}

/** What {@link reportHtml} shows. */
export interface ReportContent {
  title: string;
  plan: TrainingPlan;
  /** SVG charts (loss, validation Dice). */
  charts: string[];
  /** Which cases the scores are on, e.g. "validation cases". */
  scoredOn: string;
  cases: CaseScores[];
  figures: ReportFigure[];
  facts: Array<[string, string]>;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
const rgb = (c: readonly number[]): string => `rgb(${c.join(',')})`;
const fmt = (v: number, name: string): string => (Number.isNaN(v) ? '–' : name === 'hd95' || name === 'assd' ? v.toFixed(2) : v.toFixed(4));

/**
 * A self-contained HTML report (no script, no network: charts inline SVG, figures `data:` PNGs):
 * the run's facts, the plan, the training curves, per-case and mean scores and overlays with
 * captions naming the colours.
 */
export function reportHtml(content: ReportContent): string {
  const { plan } = content;
  const scoreHead = `<tr><th>case</th><th>class</th>${SCORE_NAMES.map((n) => `<th>${n === 'hd95' ? 'HD95 (mm)' : n === 'assd' ? 'ASSD (mm)' : n === 'nsd' ? 'NSD' : n === 'iou' ? 'IoU' : 'Dice'}</th>`).join('')}</tr>`;
  const row = (id: string, cls: string, s: Record<string, number>, strong = false): string =>
    `<tr${strong ? ' class="mean"' : ''}><td>${esc(id)}</td><td>${esc(cls)}</td>${SCORE_NAMES.map((n) => `<td>${fmt(s[n]!, n)}</td>`).join('')}</tr>`;
  const rows = content.cases.flatMap((c) => Object.entries(c.classes).map(([cls, s]) => row(c.id, cls, s as unknown as Record<string, number>)));
  const means = Object.entries(summarize(content.cases)).map(([cls, s]) => row('mean', cls, s as unknown as Record<string, number>, true));
  const swatch = (name: string, c: readonly number[]): string => `<span class="sw" style="background:${rgb(c)}"></span>${name}`;
  const legend = [swatch('truth', OVERLAY_COLOURS.truth), swatch('prediction', OVERLAY_COLOURS.prediction), swatch('false positive', OVERLAY_COLOURS.falsePositive), swatch('false negative', OVERLAY_COLOURS.falseNegative)].join(' ');
  const figures = content.figures.map(
    (f) => `<figure><img alt="case ${esc(f.caseId)} slice ${f.slice}" src="data:image/png;base64,${f.png.toString('base64')}"><figcaption>Case <b>${esc(f.caseId)}</b>, axial slice ${f.slice}: left, the image with the truth (green); middle, with the prediction (blue); right, the errors: false positives (orange), false negatives (yellow).</figcaption></figure>`,
  );
  const planRows: Array<[string, string]> = [
    ['network', `${plan.dims === '2.5' ? '2.5D' : `${plan.dims}D`} ${plan.model}, filters [${plan.filters.join(', ')}], ${plan.channels} input channel(s)`],
    ['patch / window', `${plan.patchSize.join(' × ')} voxels`],
    ['batch size', `${plan.batchSize} (${(plan.bytesPerSample / 2 ** 20).toFixed(1)} MiB per sample, budget ${(plan.memoryBudget / 2 ** 20).toFixed(0)} MiB)`],
    ['classes', `${plan.labelValues.length}: label values ${plan.labelValues.join(', ')}`],
    ['modality / normalization', `${plan.modality}: ${plan.normalization.scheme === 'ct' ? `clip [${plan.normalization.clip!.map((v) => v.toFixed(1)).join(', ')}], z-score (${plan.normalization.mean!.toFixed(1)} ± ${plan.normalization.std!.toFixed(1)})` : plan.normalization.region === 'nonzero' ? 'z-score with the nonzero voxels\' statistics' : 'z-score per image'}`],
    ['augmentation', plan.augment === 'full' ? 'mirroring, in-plane rotation and zoom, brightness, noise' : 'mirroring'],
    ['median spacing (z, y, x)', `${plan.medianSpacing.map((v) => +v.toFixed(4)).join(' × ')} mm`],
    ['median shape (z, y, x)', plan.medianShape.join(' × ')],
    ...plan.notes.map((n): [string, string] => ['note', n]),
  ];
  const table = (pairs: Array<[string, string]>): string => `<table class="kv">${pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(content.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child,td:nth-child(2){text-align:left}.kv th{text-align:left;color:#555;font-weight:normal}.kv td{text-align:left}
tr.mean td{font-weight:bold;background:#f6f6f6}.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:12px 0}figure img{image-rendering:pixelated;width:min(100%,900px);border:1px solid #ddd}figcaption{font-size:13px;color:#444}
.sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle;border:1px solid #888}
</style></head><body>
<h1>${esc(content.title)}</h1>
${table(content.facts)}
<h2>Plan</h2>
${table(planRows)}
<h2>Training curves</h2>
<div class="charts">${content.charts.join('\n')}</div>
<h2>Scores on the ${esc(content.scoredOn)}</h2>
<table>${scoreHead}${rows.join('')}${means.join('')}</table>
<h2>Overlays</h2>
<p>${legend}</p>
${figures.join('\n')}
</body></html>
`;
}
