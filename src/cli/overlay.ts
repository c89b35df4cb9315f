import { PNG } from 'pngjs';

/** RGB colours of the overlays (distinct under the common colour-vision deficiencies: Okabe-Ito). */
export const OVERLAY_COLOURS = {
  truth: [0, 158, 115],
  prediction: [0, 114, 178],
  falsePositive: [213, 94, 0],
  falseNegative: [240, 228, 66],
} as const;

/**
 * The slices worth showing for one case: `count` axial slices spread over the range where the
 * truth or the prediction has foreground (the middle slice when neither has any).
 */
export function overlaySlices(truth: ArrayLike<number>, pred: ArrayLike<number>, shape: readonly number[], count: number, background = 0): number[] {
  const [D, H, W] = shape as [number, number, number];
  const withForeground: number[] = [];
  for (let z = 0; z < D; z++) {
    for (let i = z * H * W; i < (z + 1) * H * W; i++) {
      if (truth[i] !== background || pred[i] !== background) {
        withForeground.push(z);
        break;
      }
    }
  }
  if (withForeground.length === 0) return [D >> 1];
  const picks = Array.from({ length: Math.min(count, withForeground.length) }, (_, i) => withForeground[Math.floor(((i + 0.5) * withForeground.length) / Math.min(count, withForeground.length))]!);
  return [...new Set(picks)];
}

/**
 * A PNG of one axial slice in three panels, 2x enlarged: image with the truth (green), image with
 * the prediction (blue), and the errors: false positives (orange; predicted foreground where the
 * truth differs) and false negatives (yellow; truth foreground predicted as background).
 */
export function overlayPng(image: ArrayLike<number>, truth: ArrayLike<number>, pred: ArrayLike<number>, shape: readonly number[], slice: number, background = 0): Buffer {
  const [, H, W] = shape as [number, number, number];
  const offset = slice * H * W;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < H * W; i++) {
    lo = Math.min(lo, image[offset + i]!);
    hi = Math.max(hi, image[offset + i]!);
  }
  const scale = 2;
  const gap = 4;
  const width = (3 * W + 2 * gap) * scale;
  const height = H * scale;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const mix = (g: number, c: readonly number[]): number[] => c.map((v) => Math.round(0.4 * g + 0.6 * v));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = offset + y * W + x;
      const g = Math.round(((image[i]! - lo) / Math.max(hi - lo, 1e-6)) * 255);
      const t = truth[i] !== background;
      const p = pred[i] !== background;
      const panels = [
        t ? mix(g, OVERLAY_COLOURS.truth) : [g, g, g],
        p ? mix(g, OVERLAY_COLOURS.prediction) : [g, g, g],
        p && truth[i] !== pred[i] ? mix(g, OVERLAY_COLOURS.falsePositive) : t && !p ? mix(g, OVERLAY_COLOURS.falseNegative) : [g, g, g],
      ];
      panels.forEach((rgb, panel) => {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = ((y * scale + dy) * width + (panel * (W + gap) + x) * scale + dx) * 4;
            png.data[px] = rgb[0]!;
            png.data[px + 1] = rgb[1]!;
            png.data[px + 2] = rgb[2]!;
            png.data[px + 3] = 255;
          }
        }
      });
    }
  }
  return PNG.sync.write(png);
}
