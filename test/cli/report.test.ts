// Charts, overlays and the report page: pixels and text checked against what they must show.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { niceTicks, pngLineChart, svgLineChart } from '../../src/cli/chart.js';
import { OVERLAY_COLOURS, overlayPng, overlaySlices } from '../../src/cli/overlay.js';
import { reportHtml } from '../../src/cli/report.js';
import { scoreCase, scoresTable, summarize } from '../../src/cli/scores.js';

describe('charts', () => {
  it('ticks at round steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // (2.07 - 0.93) / 5 = 0.228 -> step 0.5.
    expect(niceTicks(0.93, 2.07)).toEqual([1, 1.5, 2]);
    expect(niceTicks(0, 250)).toEqual([0, 50, 100, 150, 200, 250]);
  });
  it('draws the series as an SVG polyline through every epoch, and the same line in the PNG', () => {
    const series = [{ name: 'loss', values: [2, 1, 0.5], colour: [0, 114, 178] as const }];
    const svg = svgLineChart('Loss', series);
    const line = /<polyline points="([^"]+)" fill="none" stroke="#0072b2"/.exec(svg);
    expect(line).not.toBeNull();
    const points = line![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(3);
    // x evenly spaced from the left edge (56) to the right (520 - 12); y decreasing values go down the page.
    expect(points.map((p) => p[0])).toEqual([56, 282, 508]);
    expect(points[0]![1]!).toBeLessThan(points[1]![1]!);
    const png = PNG.sync.read(pngLineChart(series));
    const at = (x: number, y: number) => [...png.data.subarray((y * 520 + x) * 4, (y * 520 + x) * 4 + 3)];
    expect(at(points[0]![0]!, Math.round(points[0]![1]!))).toEqual([0, 114, 178]);
    expect(at(300, 5)).toEqual([255, 255, 255]);
  });
});

describe('overlays', () => {
  // One 2 x 4 slice: truth at x 0..1, prediction at x 1..2 -> x0 FN, x1 TP, x2 FP, x3 background.
  const shape = [1, 2, 4];
  const image = [0, 10, 20, 30, 0, 10, 20, 30];
  const truth = [1, 1, 0, 0, 1, 1, 0, 0];
  const pred = [0, 1, 1, 0, 0, 1, 1, 0];
  it('colours truth, prediction, false positives and false negatives in their panels', () => {
    const png = PNG.sync.read(overlayPng(image, truth, pred, shape, 0));
    expect([png.width, png.height]).toEqual([(3 * 4 + 8) * 2, 4]);
    // Panels are W + gap = 8 pixels apart, 2x enlarged.
    const at = (panel: number, x: number) => [...png.data.subarray((panel * 8 + x) * 2 * 4, (panel * 8 + x) * 2 * 4 + 3)];
    const mix = (g: number, c: readonly number[]) => c.map((v) => Math.round(0.4 * g + 0.6 * v));
    expect(at(0, 0)).toEqual(mix(0, OVERLAY_COLOURS.truth));
    expect(at(0, 2)).toEqual([170, 170, 170]);
    expect(at(1, 2)).toEqual(mix(170, OVERLAY_COLOURS.prediction));
    expect(at(2, 0)).toEqual(mix(0, OVERLAY_COLOURS.falseNegative));
    expect(at(2, 1)).toEqual([85, 85, 85]);
    expect(at(2, 2)).toEqual(mix(170, OVERLAY_COLOURS.falsePositive));
    expect(at(2, 3)).toEqual([255, 255, 255]);
  });
  it('picks slices spread over the foreground', () => {
    const t = new Array(10 * 4).fill(0);
    for (let z = 3; z < 7; z++) t[z * 4] = 1;
    // Foreground on z 3..6: the centres of two halves, indices floor(1) and floor(3) -> z 4 and 6.
    expect(overlaySlices(t, new Array(40).fill(0), [10, 2, 2], 2)).toEqual([4, 6]);
    expect(overlaySlices(new Array(40).fill(0), new Array(40).fill(0), [10, 2, 2], 3)).toEqual([5]);
  });
});

describe('scores and the report page', () => {
  it('scores a hand-computed case and writes it into a page without scripts or network', () => {
    // 1D line of 8 voxels as [1, 1, 8]: truth 2..5, prediction 3..6: TP 3, FP 1, FN 1.
    const truth = [0, 0, 1, 1, 1, 1, 0, 0];
    const pred = [0, 0, 0, 1, 1, 1, 1, 0];
    const s = scoreCase('c', pred, truth, [1], [1, 1, 8], [1, 1, 2], 2);
    expect(s.classes['1']!.dice).toBeCloseTo(6 / 8, 12);
    expect(s.classes['1']!.iou).toBeCloseTo(3 / 5, 12);
    // A one-row mask is all edge: distances pred -> truth [0, 0, 0, 2] mm (voxel 6), truth -> pred
    // [2, 0, 0, 0] (voxel 2); the 95th percentile of four values interpolates 0 + 0.85 * 2 = 1.7;
    // ASSD = (2 + 2) / 8 = 0.5.
    expect(s.classes['1']!.hd95).toBeCloseTo(1.7, 12);
    expect(s.classes['1']!.assd).toBeCloseTo(0.5, 12);
    expect(s.classes['1']!.nsd).toBe(1);
    expect(summarize([s]).mean!.dice).toBeCloseTo(0.75, 12);
    expect(scoresTable([s])).toMatch(/^c\s+1\s+0\.7500\s+0\.6000\s+1\.70\s+0\.50\s+1\.0000$/m);
    const html = reportHtml({
      title: 'run <x>',
      plan: { dims: '2', channels: 1, patchSize: [8, 8], batchSize: 2, filters: [4, 8], model: 'unet', labelValues: [0, 1], modality: 'mri', normalization: { scheme: 'zscore' }, medianSpacing: [1, 1, 2], medianShape: [1, 1, 8], memoryBudget: 2 ** 20, bytesPerSample: 1024, notes: [] },
      charts: [svgLineChart('Loss', [{ name: 'loss', values: [1, 0.5], colour: [0, 0, 0] }])],
      scoredOn: 'validation cases',
      cases: [s],
      figures: [{ caseId: 'c', slice: 0, png: Buffer.from([1, 2, 3]) }],
      facts: [['backend', 'cpu']],
    });
    expect(html).toContain('<title>run &lt;x&gt;</title>');
    expect(html).toContain('<td>c</td><td>1</td><td>0.7500</td><td>0.6000</td><td>1.70</td><td>0.50</td><td>1.0000</td>');
    expect(html).toContain('src="data:image/png;base64,AQID"');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });
});
