import { PNG } from 'pngjs';

/** One line of a chart: y values at x = 1, 2, ... (epochs); NaN leaves a gap. */
export interface Series {
  name: string;
  values: readonly number[];
  colour: readonly [number, number, number];
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

function frameFor(series: readonly Series[], width: number, height: number): Frame {
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let yMin = finite.length ? Math.min(...finite) : 0;
  let yMax = finite.length ? Math.max(...finite) : 1;
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const pad = (yMax - yMin) * 0.05;
  return { width, height, left: 56, right: 12, top: 24, bottom: 32, xMax: Math.max(2, ...series.map((s) => s.values.length)), yMin: yMin - pad, yMax: yMax + pad };
}

const px = (f: Frame, x: number): number => f.left + ((x - 1) / (f.xMax - 1)) * (f.width - f.left - f.right);
const py = (f: Frame, y: number): number => f.top + (1 - (y - f.yMin) / (f.yMax - f.yMin)) * (f.height - f.top - f.bottom);
const hex = (c: readonly number[]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** Axis ticks: about five round numbers in [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * A line chart as standalone SVG text (epochs on x), with axes, ticks, gridlines and a legend.
 * Written by hand rather than with a chart library: the charts are two plain line plots, and the
 * libraries that draw them (Chart.js, ECharts, Vega) need a browser DOM or canvas, which would
 * make `train` depend on a native canvas build in Node.
 */
export function svgLineChart(title: string, series: readonly Series[], width = 520, height = 260): string {
  const f = frameFor(series, width, height);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`];
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`, `<text x="${f.left}" y="15" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (const t of niceTicks(f.yMin, f.yMax)) {
    const y = py(f, t).toFixed(1);
    parts.push(`<line x1="${f.left}" x2="${width - f.right}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`, `<text x="${f.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${t}</text>`);
  }
  for (const t of niceTicks(1, f.xMax).filter((v) => Number.isInteger(v) && v >= 1)) {
    const x = px(f, t).toFixed(1);
    parts.push(`<text x="${x}" y="${height - f.bottom + 14}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${(f.left + width - f.right) / 2}" y="${height - 4}" text-anchor="middle">epoch</text>`);
  parts.push(`<polyline points="${f.left},${f.top} ${f.left},${height - f.bottom} ${width - f.right},${height - f.bottom}" fill="none" stroke="#444"/>`);
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${px(f, i + 1).toFixed(1)},${py(f, v).toFixed(1)}` : '')).filter((p) => p !== '');
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${hex(s.colour)}" stroke-width="2"/>`);
    if (points.length === 1) parts.push(`<circle cx="${points[0]!.split(',')[0]}" cy="${points[0]!.split(',')[1]}" r="3" fill="${hex(s.colour)}"/>`);
    const lx = width - f.right - 150;
    const ly = f.top + 4 + 14 * k;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${hex(s.colour)}" stroke-width="2"/>`, `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The same chart rasterized into a PNG (axes, gridlines at the SVG's ticks and the lines, 2 px
 * wide; no text, the HTML report and the SVG carry the labels). Pure JavaScript via pngjs.
 */
export function pngLineChart(series: readonly Series[], width = 520, height = 260): Buffer {
  const f = frameFor(series, width, height);
  const png = new PNG({ width, height });
  png.data.fill(255);
  const dot = (x: number, y: number, c: readonly number[]): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const i = (yi * width + xi) * 4;
    png.data[i] = c[0]!;
    png.data[i + 1] = c[1]!;
    png.data[i + 2] = c[2]!;
    png.data[i + 3] = 255;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: readonly number[], thick: number): void => {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let d = 0; d < thick; d++) {
        dot(x, y + d, c);
        dot(x + d, y, c);
      }
    }
  };
  for (const t of niceTicks(f.yMin, f.yMax)) line(f.left, py(f, t), width - f.right, py(f, t), [228, 228, 228], 1);
  line(f.left, f.top, f.left, height - f.bottom, [68, 68, 68], 1);
  line(f.left, height - f.bottom, width - f.right, height - f.bottom, [68, 68, 68], 1);
  for (const s of series) {
    for (let i = 1; i < s.values.length; i++) {
      const a = s.values[i - 1]!;
      const b = s.values[i]!;
      if (Number.isFinite(a) && Number.isFinite(b)) line(px(f, i), py(f, a), px(f, i + 1), py(f, b), s.colour, 2);
    }
  }
  return PNG.sync.write(png);
}
