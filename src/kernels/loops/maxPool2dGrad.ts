import type * as tf from '@tensorflow/tfjs-core';
import { maxPoolGradLoop, poolWindowOf } from './maxPool3d.js';

/**
 * Gradient of 2D max pooling (channels last): each output's gradient goes to its window's
 * maximum, the first one in (row, column) order on ties, as tfjs' cpu kernel does. The maximum
 * starts at -Infinity; tfjs 4.22's wasm kernel starts at FLT_MIN and so routes the gradient of
 * all-negative windows to the wrong place (or nowhere). Runs the 3D loop over a depth of 1.
 */
export function maxPool2dGradLoop(dy: Float32Array, x: Float32Array, p: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  maxPoolGradLoop(dy, x, poolWindowOf(p), dx, false);
}
