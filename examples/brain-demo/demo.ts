// `npm run demo`: the unet-kit CLI (train, predict, evaluate) on the bundled ITK brain T1 MRI.
// Writes the slabs of the volume as NIfTI cases, then runs the three commands through the CLI's
// own entry (src/cli/main.ts), printing each command line so it can be copied.
// Options: --task brain|tissue|brain3d (default brain), --quick (tiny settings, for the tests),
// --out DIR (default out/cli-demo/<task>), --backend NAME (default auto), --data DIR.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from 'unet-kit/cli';
import { DEFAULT_DATA_DIR } from './data.js';
import { loadNativeBackend } from './nativeBackend.js';
import { writeSlabCases } from './slabs.js';
import { taskSpec, type DemoTask } from './tasks.js';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'brain' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    data: { type: 'string', default: DEFAULT_DATA_DIR },
    help: { type: 'boolean', default: false },
  },
});
const TASKS: DemoTask[] = ['brain', 'tissue', 'brain3d'];
if (values.help) {
  console.log('usage: npm run demo -- [--task brain|tissue|brain3d] [--quick] [--out DIR] [--backend auto|tensorflow|wasm|cpu] [--data DIR]');
  process.exit(0);
}
if (!(TASKS as string[]).includes(values.task)) {
  console.error(`--task is '${values.task}'; expected one of ${TASKS.join(', ')}`);
  process.exit(2);
}
const task = values.task as DemoTask;
const spec = taskSpec(task, values.quick);
const out = values.out ?? join('out', 'cli-demo', task);
const started = Date.now();

// tfjs-node registered before the CLI runs: `auto` then picks it, as it does an installed one.
if (values.backend === 'auto' || values.backend === 'tensorflow') loadNativeBackend();

await rm(out, { recursive: true, force: true });
const files = await writeSlabCases(values.data, spec.labelFile, spec.mapping, join(out, 'data'), spec.slabs);
const rel = (p: string): string => relative(process.cwd(), p) || '.';
const describe = spec.slabs.train.map((s) => `${s.id} ${s.first}..${s.last}`).concat(spec.slabs.test.map((s) => `${s.id} ${s.first}..${s.last}`)).join(', ');
console.log(`unet-kit demo (${spec.title}): ${spec.labelFile}, axial slabs ${describe} written as NIfTI cases in ${rel(join(out, 'data'))}/`);

const run = join(out, 'run');
const pred = join(out, 'pred');
const scores = join(out, 'heldout-scores.json');
// A task may train more runs (another dimensionality) that predict joins as an ensemble.
const extra = (spec.ensemble ?? []).map((e) => ({ ...e, dir: join(out, `run-${e.id}`) }));
const models = [run, ...extra.map((e) => e.dir)].map(rel).join(',');
const commands: Array<{ name: string; argv: string[] }> = [
  { name: 'train', argv: ['train', '--images', rel(files.images), '--labels', rel(files.labels), '--out', rel(run), ...spec.train, '--backend', values.backend] },
  ...extra.map((e) => ({ name: `train ${e.id}`, argv: ['train', '--images', rel(files.images), '--labels', rel(files.labels), '--out', rel(e.dir), ...e.train, '--backend', values.backend] })),
  { name: 'predict', argv: ['predict', '--model', models, '--input', rel(files.testImages), '--out', rel(pred), ...spec.predict, '--backend', values.backend] },
  { name: 'evaluate', argv: ['evaluate', '--pred', rel(pred), '--truth', rel(files.testLabels), '--background', String(spec.background), '--json', rel(scores), '--csv', rel(join(out, 'heldout-scores.csv'))] },
];
const seconds: Record<string, number> = {};
const printed: string[] = [];
for (const { name, argv } of commands) {
  console.log(`\n$ npx unet-kit ${argv.join(' ')}`);
  const t0 = Date.now();
  const code = await runCli(argv, { log: (line) => (printed.push(line), console.log(line)), error: (line) => console.error(line), progress: process.stderr });
  seconds[name] = (Date.now() - t0) / 1000;
  if (code !== 0) {
    console.error(`unet-kit ${name} exited with ${code}`);
    process.exit(code);
  }
}

const result = JSON.parse(await readFile(scores, 'utf8')) as { mean: Record<string, { dice: number | null; hd95: number | null }> };
const average = (values: Array<number | null | undefined>): number => {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
};
// The headline: evaluate's mean over classes, or over the task's headline classes.
const picked = spec.headline === undefined ? [result.mean.mean!] : spec.headline.classes.map((c) => result.mean[String(c)] ?? { dice: null, hd95: null });
const dice = average(picked.map((m) => m.dice));
const hd95 = average(picked.map((m) => m.hd95));
const total = (Date.now() - started) / 1000;
const plan = JSON.parse(await readFile(join(run, 'plan.json'), 'utf8')) as { dims: string };
const backend = printed.map((line) => /^unet-kit train: backend (\w+)/.exec(line)?.[1]).find((b) => b !== undefined);
console.log(`\nheld-out axial slices ${spec.slabs.test[0]!.first}..${spec.slabs.test[0]!.last} (never trained on), ${spec.title}:`);
const over = spec.headline === undefined ? 'mean foreground' : `mean over label values ${spec.headline.classes.join(', ')}:`;
console.log(`  ${over} Dice ${dice.toFixed(4)}   HD95 ${hd95.toFixed(2)} mm` + `   (goal: Dice >= ${spec.goal.dice}${spec.goal.hd95 === undefined ? '' : `, HD95 <= ${spec.goal.hd95} mm`})`);
if (spec.headline !== undefined) console.log(`  (${spec.headline.why}; over every scored value: Dice ${(result.mean.mean!.dice ?? NaN).toFixed(4)})`);
console.log(`  time: ${Object.entries(seconds).map(([name, t]) => `${name} ${t.toFixed(1)} s`).join(', ')}, ${total.toFixed(1)} s in all; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`  report: ${rel(join(run, 'report.html'))}`);
await writeFile(
  join(out, 'demo.json'),
  `${JSON.stringify({ task, title: spec.title, quick: values.quick, dims: plan.dims, backend: backend ?? values.backend, heldOut: { slices: [spec.slabs.test[0]!.first, spec.slabs.test[0]!.last], dice, hd95mm: hd95, classes: spec.headline?.classes ?? 'all', allClassesDice: result.mean.mean!.dice }, goal: spec.goal, seconds: { ...seconds, total }, loadAverage: loadavg(), commands: commands.map((c) => `npx unet-kit ${c.argv.join(' ')}`) }, null, 2)}\n`,
);
if (!existsSync(join(run, 'report.html'))) process.exit(1);
