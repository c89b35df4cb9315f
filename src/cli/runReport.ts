import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { MetricsRow } from '../train/metricsLog.js';
import { pngLineChart, svgLineChart, type Series } from './chart.js';
import { predictScan } from './infer.js';
import { overlayPng, overlaySlices } from './overlay.js';
import type { TrainingPlan } from './plan.js';
import { reportHtml, type ReportFigure } from './report.js';
import type { Scan } from './scans.js';
import { scoreCase, scoresCsv, summarize, type CaseScores } from './scores.js';
import type { CliIO } from './terminal.js';

const LOSS_COLOUR = [0, 114, 178] as const;
const DICE_COLOUR = [213, 94, 0] as const;

/**
 * Scores the best network on `cases` (the validation cases), and writes the run's
 * `report.html`, `curves.png` (loss and Dice), `scores.json` and `scores.csv`.
 *
 * @returns the path of report.html.
 */
export async function writeRunReport(
  out: string,
  model: tfl.LayersModel,
  plan: TrainingPlan,
  cases: ReadonlyArray<{ image: Scan; label: Scan }>,
  scoredOn: string,
  history: readonly MetricsRow[],
  overlaysPerCase: number,
  facts: Array<[string, string]>,
  io: CliIO,
): Promise<string> {
  const scores: CaseScores[] = [];
  const figures: ReportFigure[] = [];
  for (const { image, label } of cases) {
    const pred = await predictScan(model, plan, image);
    scores.push(scoreCase(image.id, pred, label.data, plan.labelValues.slice(1), image.shape, image.spacing, Math.min(...image.spacing)));
    const background = plan.labelValues[0]!;
    for (const slice of overlaySlices(label.data, pred, image.shape, overlaysPerCase, background)) {
      figures.push({ caseId: image.id, slice, png: overlayPng(image.data, label.data, pred, image.shape, slice, background) });
    }
  }
  const diceName = history.some((r) => 'val_dice' in r) ? 'val_dice' : 'train_dice';
  const loss: Series = { name: 'training loss (Dice + CE)', values: history.map((r) => r.loss ?? NaN), colour: LOSS_COLOUR };
  const dice: Series = { name: diceName === 'val_dice' ? 'validation Dice' : 'training-case Dice', values: history.map((r) => r[diceName] ?? NaN), colour: DICE_COLOUR };
  const charts = [svgLineChart('Loss', [loss]), svgLineChart('Mean foreground Dice', [dice])];
  await writeFile(join(out, 'loss.png'), pngLineChart([loss]));
  await writeFile(join(out, 'dice.png'), pngLineChart([dice]));
  const mean = summarize(scores).mean!;
  const tolerance = Math.min(...(cases[0]?.image.spacing ?? [1]));
  await writeFile(join(out, 'scores.json'), `${JSON.stringify({ scoredOn, nsdTolerance: tolerance, cases: scores, mean: summarize(scores) }, null, 2)}\n`);
  await writeFile(join(out, 'scores.csv'), scoresCsv(scores));
  const html = reportHtml({
    title: `unet-kit run ${out}`,
    plan,
    charts,
    scoredOn: `${scoredOn} (NSD tolerance ${+tolerance.toFixed(3)} mm, one voxel)`,
    cases: scores,
    figures,
    facts: [...facts, ['mean foreground Dice', mean.dice.toFixed(4)], ['mean HD95', `${mean.hd95.toFixed(2)} mm`]],
  });
  const path = join(out, 'report.html');
  await writeFile(path, html);
  io.log(`scores on the ${scoredOn}: mean Dice ${mean.dice.toFixed(4)}, HD95 ${mean.hd95.toFixed(2)} mm, ASSD ${mean.assd.toFixed(2)} mm, NSD ${mean.nsd.toFixed(4)}`);
  return path;
}
