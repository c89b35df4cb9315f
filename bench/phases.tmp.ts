import { buildLattice } from '../src/inference/crf/lattice.js';
import { gridFeatures } from '../src/inference/crf/features.js';
import { meanField } from '../src/inference/crf/meanField.js';
import { createRng } from '../src/core/rng.js';
const rng = createRng(7);
const H = 256, W = 256, n = H * W;
const img = Float32Array.from({ length: n }, (_, i) => ((i % W) < 128 ? 170 : 80) + rng.uniform(-20, 20));
const unary = Float64Array.from({ length: 2 * n }, () => -Math.log(rng.uniform(0.05, 0.95)));
const cpu = (f: () => void) => { const t = process.cpuUsage(); f(); const d = process.cpuUsage(t); return (d.user + d.system) / 1000; };
const acc: Record<string, number[]> = {};
const rec = (k: string, v: number) => (acc[k] ??= []).push(v);
for (let r = 0; r < 6; r++) {
  let g: any, b: any, lg: any, lb: any;
  rec('features', cpu(() => { g = gridFeatures([H, W], [1, 1], [3, 3]); b = gridFeatures([H, W], [1, 1], [80, 80], { values: img, offset: 0, channels: 1, sigma: [13] }); }));
  rec('buildG', cpu(() => { lg = buildLattice(g.features, n, g.dims); }));
  rec('buildB', cpu(() => { lb = buildLattice(b.features, n, b.dims); }));
  rec('meanField', cpu(() => { meanField(unary, n, 2, [{ lattice: lg, weight: 3 }, { lattice: lb, weight: 10 }], 5); }));
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(Object.entries(acc).map(([k, v]) => `${k} med ${med(v).toFixed(1)} min ${Math.min(...v).toFixed(1)}`).join(' | '));
