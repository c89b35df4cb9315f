// Canvas drawing for the examples: a grey slice with coloured masks over it, and line charts.

/** Overlay colours: prediction and truth agree (yellow), truth only (green), prediction only (magenta). */
export const OVERLAP_RGB = [250, 220, 40] as const;
export const TRUTH_RGB = [40, 200, 90] as const;
export const PREDICTION_RGB = [230, 40, 200] as const;

/** An RGB colour. */
export type Rgb = readonly [number, number, number];

/** The overlay colour of voxel `i` comparing a prediction with the truth (both 0/1 or probabilities). */
export function compareColours(truth: ArrayLike<number>, prediction: ArrayLike<number>): (i: number) => Rgb | undefined {
  return (i) => {
    const t = truth[i]! >= 0.5;
    const p = prediction[i]! >= 0.5;
    return t && p ? OVERLAP_RGB : t ? TRUTH_RGB : p ? PREDICTION_RGB : undefined;
  };
}

/** The overlay colour of voxel `i` of one mask. */
export function maskColour(mask: ArrayLike<number>, rgb: Rgb = PREDICTION_RGB): (i: number) => Rgb | undefined {
  return (i) => (mask[i]! >= 0.5 ? rgb : undefined);
}

/**
 * Draws an `h x w` slice (row-major values, scaled to `range` or to its own min..max) on `canvas`,
 * scaled up to the canvas size, with the colour `colourAt(i)` (when it gives one) blended in at `alpha`.
 */
export function drawSlice(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  [h, w]: readonly [number, number],
  colourAt: (i: number) => Rgb | undefined = () => undefined,
  options: { alpha?: number; range?: readonly [number, number] } = {},
): void {
  const { alpha = 0.5 } = options;
  let [lo, hi] = options.range ?? [Infinity, -Infinity];
  if (options.range === undefined) {
    for (let i = 0; i < h * w; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
  }
  const span = hi > lo ? hi - lo : 1;
  const pixels = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const grey = Math.min(255, Math.max(0, (255 * (values[i]! - lo)) / span));
    const colour = colourAt(i);
    const rgb = colour === undefined ? [grey, grey, grey] : colour.map((c) => (1 - alpha) * grey + alpha * c);
    pixels.data.set([rgb[0]!, rgb[1]!, rgb[2]!, 255], 4 * i);
  }
  // Draw at native size on a scratch canvas, then scale without smoothing (crisp voxels).
  const scratch = document.createElement('canvas');
  scratch.width = w;
  scratch.height = h;
  scratch.getContext('2d')!.putImageData(pixels, 0, 0);
  const context = canvas.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

/** One line of a chart: points `[x, y]`. */
export interface Series {
  label: string;
  colour: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Draws line charts with a shared x axis and a y range of `[yMin, yMax]` (auto when omitted). */
export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], options: { yMin?: number; yMax?: number; title?: string } = {}): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const pad = { left: 44, right: 10, top: 22, bottom: 22 };
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMin = options.yMin ?? Math.min(0, ...all.map((p) => p[1]));
  const yMax = options.yMax ?? Math.max(1e-6, ...all.map((p) => p[1]));
  const px = (x: number): number => pad.left + (x / xMax) * (width - pad.left - pad.right);
  const py = (y: number): number => height - pad.bottom - ((y - yMin) / (yMax - yMin || 1)) * (height - pad.top - pad.bottom);
  context.strokeStyle = '#999';
  context.lineWidth = 1;
  context.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
  context.fillStyle = '#333';
  context.font = '11px sans-serif';
  context.fillText(yMax.toFixed(2), 4, pad.top + 8);
  context.fillText(yMin.toFixed(2), 4, height - pad.bottom);
  context.fillText(`step ${xMax}`, width - pad.right - 50, height - 6);
  if (options.title !== undefined) context.fillText(options.title, pad.left, 14);
  series.forEach((s, index) => {
    context.strokeStyle = s.colour;
    context.lineWidth = 2;
    context.beginPath();
    s.points.forEach(([x, y], i) => (i === 0 ? context.moveTo(px(x), py(y)) : context.lineTo(px(x), py(y))));
    context.stroke();
    context.fillStyle = s.colour;
    context.fillText(s.label, pad.left + 8 + index * 90, pad.top + 14);
  });
}
