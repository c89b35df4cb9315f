// Renders the learning-rate plots of the training guide (docs/schedules/*.svg) from the real
// schedule functions of unet-kit/train, so a change to a schedule shows in its picture.
// Run: node --import tsx docs/schedules.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cosineAnnealing, polyLR, stepDecay, warmup, type LearningRateScheduler } from '../src/train/index.js';

const WIDTH = 480;
const HEIGHT = 240;
const MARGIN = { left: 64, right: 16, top: 28, bottom: 40 };

interface Plot {
  file: string;
  title: string;
  schedule: LearningRateScheduler;
  steps: number;
}

const plots: Plot[] = [
  { file: 'polyLR', title: 'polyLR({ initialLR: 1e-2, totalSteps: 100 })', schedule: polyLR({ initialLR: 1e-2, totalSteps: 100 }), steps: 100 },
  {
    file: 'cosineAnnealing',
    title: 'cosineAnnealing({ initialLR: 1e-2, period: 10, periodMult: 2 })',
    schedule: cosineAnnealing({ initialLR: 1e-2, period: 10, periodMult: 2 }),
    steps: 100,
  },
  { file: 'stepDecay', title: 'stepDecay({ initialLR: 1e-2, stepSize: 30, gamma: 0.1 })', schedule: stepDecay({ initialLR: 1e-2, stepSize: 30, gamma: 0.1 }), steps: 100 },
  {
    file: 'warmup',
    title: 'warmup(cosineAnnealing({ initialLR: 1e-2, period: 90 }), { steps: 10 })',
    schedule: warmup(cosineAnnealing({ initialLR: 1e-2, period: 90 }), { steps: 10 }),
    steps: 100,
  },
];

/** One schedule as an SVG line plot over steps 0..steps-1 (a run of `steps` epochs), linear axes, a few ticks. */
function svg({ title, schedule, steps }: Plot): string {
  const values = Array.from({ length: steps }, (_, t) => schedule.valueAt(t));
  const top = Math.max(...values);
  const w = WIDTH - MARGIN.left - MARGIN.right;
  const h = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (t: number) => MARGIN.left + (t / (steps - 1)) * w;
  const py = (v: number) => MARGIN.top + h - (v / top) * h;
  const path = values.map((v, t) => `${t === 0 ? 'M' : 'L'}${px(t).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  // Round ticks every 25 steps, and the last step.
  const xTicks = [...Array.from({ length: Math.ceil((steps - 1) / 25) }, (_, i) => i * 25), steps - 1];
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="16" text-anchor="middle" font-family="monospace" font-size="10">${title}</text>`,
    ...yTicks.map(
      (v) =>
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#ddd"/>` +
        `<text x="${MARGIN.left - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${v === 0 ? '0' : v.toExponential(1)}</text>`,
    ),
    ...xTicks.map((t) => `<text x="${px(t).toFixed(1)}" y="${MARGIN.top + h + 16}" text-anchor="middle">${t}</text>`),
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${MARGIN.top + h}" y2="${MARGIN.top + h}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + h}" stroke="#333"/>`,
    `<text x="${MARGIN.left + w / 2}" y="${HEIGHT - 6}" text-anchor="middle">epoch</text>`,
    `<text transform="translate(14 ${MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle">learning rate</text>`,
    `<path d="${path}" fill="none" stroke="#3451b2" stroke-width="2"/>`,
    '</svg>',
  ];
  return `${lines.join('\n')}\n`;
}

const out = join(import.meta.dirname, 'schedules');
mkdirSync(out, { recursive: true });
for (const plot of plots) {
  writeFileSync(join(out, `${plot.file}.svg`), svg(plot));
  console.log(`docs/schedules/${plot.file}.svg`);
}
