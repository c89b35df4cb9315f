import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { numberFlag, pathsFlag, stringFlag, type FlagTable, type ParsedFlags } from './args.js';
import { assertSameGeometry, listScanFiles, pairByCase, readScan } from './scans.js';
import { scoreCase, scoresCsv, scoresTable, summarize, type CaseScores } from './scores.js';
import { progressLine, type CliIO } from './terminal.js';
import { UnetKitError } from '../core/errors.js';

/** Flags of `unet-kit evaluate`. */
export const EVALUATE_FLAGS: FlagTable = {
  pred: { type: 'string', multiple: true, value: 'PATHS', help: 'predicted label maps: a folder, files or a comma list' },
  truth: { type: 'string', multiple: true, value: 'PATHS', help: 'reference label maps, same names' },
  classes: { type: 'string', value: 'V1,V2,..', help: 'label values to score (default: every value but the background found in either)' },
  background: { type: 'string', value: 'V', help: 'background label value, not scored (default 0)' },
  tolerance: { type: 'string', value: 'MM', help: 'NSD tolerance in mm (default 1)' },
  json: { type: 'string', value: 'FILE', help: 'write the scores as JSON' },
  csv: { type: 'string', value: 'FILE', help: 'write the scores as CSV (one row per case and class)' },
  help: { type: 'boolean', help: 'show this help' },
};

/**
 * `unet-kit evaluate`: pairs predictions with references by name, checks their geometry, and
 * scores every foreground class of every case (Dice, IoU, HD95, ASSD, NSD with the reference's
 * voxel spacing); prints a table, writes JSON / CSV when asked.
 */
export async function runEvaluate(flags: ParsedFlags, io: CliIO): Promise<{ cases: CaseScores[]; mean: ReturnType<typeof summarize> }> {
  const cmd = 'evaluate';
  const predFiles = await listScanFiles(cmd, 'pred', pathsFlag(cmd, flags, 'pred'));
  const truthFiles = await listScanFiles(cmd, 'truth', pathsFlag(cmd, flags, 'truth'));
  const pairs = pairByCase(cmd, predFiles, truthFiles, ['pred', 'truth']);
  const tolerance = numberFlag(cmd, flags, 'tolerance', 1, { min: 0 });
  const background = numberFlag(cmd, flags, 'background', 0, { integer: true });
  let fixed: number[] | undefined;
  if (flags.classes !== undefined) {
    fixed = String(flags.classes).split(',').map(Number);
    if (fixed.some((v) => !Number.isInteger(v))) throw new UnetKitError(`unet-kit ${cmd}`, '--classes', `is '${String(flags.classes)}'; expected integer label values separated by commas.`);
  }
  const cases: CaseScores[] = [];
  const bar = progressLine(io, 'evaluate');
  for (const [predPath, truthPath] of pairs) {
    const pred = await readScan(predPath);
    const truth = await readScan(truthPath);
    assertSameGeometry(cmd, truth, pred);
    const values = fixed ?? [...new Set([...truth.data, ...pred.data])].filter((v) => v !== background).sort((a, b) => a - b);
    cases.push(scoreCase(truth.id, pred.data, truth.data, values, truth.shape, truth.spacing, tolerance));
    bar.update(cases.length, pairs.length);
  }
  bar.done();
  const mean = summarize(cases);
  io.log(scoresTable(cases));
  const jsonPath = stringFlag(cmd, flags, 'json', undefined);
  const csvPath = stringFlag(cmd, flags, 'csv', undefined);
  if (jsonPath !== undefined) {
    await mkdir(dirname(jsonPath), { recursive: true });
    await writeFile(jsonPath, `${JSON.stringify({ nsdTolerance: tolerance, cases, mean }, (_, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n`);
    io.log(`wrote ${jsonPath}`);
  }
  if (csvPath !== undefined) {
    await mkdir(dirname(csvPath), { recursive: true });
    await writeFile(csvPath, scoresCsv(cases));
    io.log(`wrote ${csvPath}`);
  }
  return { cases, mean };
}
