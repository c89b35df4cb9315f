/** How values outside a tensor's border are made up when padding or sampling past the edge. */
export type BorderMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** The border modes accepted by {@link padToMultiple} and friends. */
export const BORDER_MODES: readonly BorderMode[] = ['constant', 'edge', 'reflect', 'symmetric'];

/**
 * The in-range source index for a possibly out-of-range index `i` along an axis of `size`
 * (numpy.pad's conventions): `edge` repeats the border value (`aaa|abc|ccc`), `reflect` mirrors
 * without repeating the border (`cb|abc|ba`), `symmetric` mirrors with it (`ba|abc|cb`).
 * Works for any distance past the border (mirroring repeats periodically). `constant` returns -1
 * for out-of-range indices: the caller fills them. Internal helper.
 *
 * @example `borderIndex(-1, 3, 'reflect')` is 1; `borderIndex(3, 3, 'symmetric')` is 2; `borderIndex(-2, 3, 'edge')` is 0.
 */
export function borderIndex(i: number, size: number, mode: BorderMode): number {
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : size - 1;
    case 'reflect': {
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      const m = ((i % period) + period) % period;
      return m < size ? m : period - m;
    }
    case 'symmetric': {
      const period = 2 * size;
      const m = ((i % period) + period) % period;
      return m < size ? m : period - 1 - m;
    }
  }
}
