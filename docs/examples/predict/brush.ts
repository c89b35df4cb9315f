// The brush of the predict page: pointer strokes on the slice canvas paint add / erase labels
// into a Corrections (one undo step per stroke), in voxels of the shown slice.
import type { Corrections, PaintLabel } from './correction.js';

/** What the brush needs from the page: the slice shown, the brush, a redraw. */
export interface BrushHost {
  /** The labels being painted (the page swaps them when another slab is shown), or undefined. */
  corrections(): Corrections | undefined;
  /** The slab index of the slice on the canvas, or undefined when nothing is shown. */
  slice(): number | undefined;
  label(): PaintLabel;
  /** Brush radius in voxels. */
  radius(): number;
  /** Called after each painted segment. */
  changed(): void;
}

/** Paints on `canvas` (which shows a slice scaled to its size) while the main button is down. */
export function attachBrush(canvas: HTMLCanvasElement, host: BrushHost): void {
  let last: [number, number] | undefined;
  let corrections: Corrections | undefined;
  const voxel = (event: PointerEvent): [number, number] => {
    const { h, w } = corrections!;
    const box = canvas.getBoundingClientRect();
    return [((event.clientY - box.top) / box.height) * h - 0.5, ((event.clientX - box.left) / box.width) * w - 0.5];
  };
  // Discs every half voxel along the segment: a fast stroke leaves no gaps.
  const segment = (from: [number, number], to: [number, number]): void => {
    const steps = Math.max(1, Math.ceil(2 * Math.hypot(to[0] - from[0], to[1] - from[1])));
    for (let s = 0; s <= steps; s++) corrections!.paint(from[0] + ((to[0] - from[0]) * s) / steps, from[1] + ((to[1] - from[1]) * s) / steps, host.radius(), host.label());
    host.changed();
  };
  canvas.addEventListener('pointerdown', (event) => {
    const z = host.slice();
    corrections = host.corrections();
    if (z === undefined || corrections === undefined || event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    corrections.begin(z);
    last = voxel(event);
    segment(last, last);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (last === undefined) return;
    const next = voxel(event);
    segment(last, next);
    last = next;
  });
  const end = (): void => {
    if (last === undefined) return;
    last = undefined;
    corrections?.end();
    host.changed();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}
