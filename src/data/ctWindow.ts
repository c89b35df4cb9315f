import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOneOf, fail } from '../core/assert.js';
import { assertFinite } from '../ops/assertFinite.js';

/** Named CT windows (Hounsfield units), level/width as listed by Radiopaedia ("Windowing (CT)"). */
export const CT_WINDOWS = {
  brain: { center: 40, width: 80 },
  subdural: { center: 75, width: 215 },
  stroke: { center: 32, width: 8 },
  softTissue: { center: 50, width: 400 },
  liver: { center: 30, width: 150 },
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 50, width: 350 },
  bone: { center: 400, width: 1800 },
} as const;

/** A CT window: a preset name or `{ center, width }` in Hounsfield units. */
export type CtWindowSpec = keyof typeof CT_WINDOWS | { center: number; width: number };

/**
 * CT windowing: clips Hounsfield units to `[center - width / 2, center + width / 2]` and maps
 * that range linearly to [0, 1]. Elementwise, any shape.
 *
 * @example `ctWindow(ct, 'lung')` or `ctWindow(ct, { center: 40, width: 400 })`
 */
export function ctWindow(x: tf.Tensor, window: CtWindowSpec): tf.Tensor {
  const fn = 'ctWindow';
  if (!(x instanceof tf.Tensor)) fail(fn, 'x', x, 'a tensor of Hounsfield units');
  let spec: { center: number; width: number };
  if (typeof window === 'string') {
    assertOneOf(fn, 'window', window, Object.keys(CT_WINDOWS) as Array<keyof typeof CT_WINDOWS>);
    spec = CT_WINDOWS[window];
  } else {
    if (window === null || typeof window !== 'object') fail(fn, 'window', window, `a preset (${Object.keys(CT_WINDOWS).join(', ')}) or { center, width }`);
    assertKnownKeys(fn, window, ['center', 'width'], 'window');
    assertNumber(fn, 'window.center', window.center);
    assertNumber(fn, 'window.width', window.width, { min: 0, minExclusive: true });
    spec = window;
  }
  // clipByValue passes NaN through: it would stay NaN in the [0, 1] window image.
  assertFinite(fn, 'x', x);
  const low = spec.center - spec.width / 2;
  return tf.tidy(() => tf.div(tf.sub(tf.clipByValue(tf.cast(x, 'float32'), low, low + spec.width), tf.scalar(low)), tf.scalar(spec.width)));
}
