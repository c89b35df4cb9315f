import { assertOneOf, assertOptionsObject } from '../core/assert.js';
import { createActivation } from '../layers/normAct.js';
import { resolveActivation } from '../layers/normActOptions.js';
import { resolveCommon, type CommonBlockOptions } from './blockOptions.js';
import { assertChannels, assertFeatureMap } from './checks.js';
import { apply, applyOptional, type Sym } from './functional.js';
import { UnetKitError } from '../core/errors.js';
import { OUTPUT_ACTIVATIONS, type OutputActivation } from '../core/outputActivation.js';

/** Options of {@link head}. */
export interface HeadOptions extends CommonBlockOptions {
  /**
   * `'softmax'` over the channel axis (-1) for mutually exclusive classes, `'sigmoid'` for
   * independent (multi-label or binary) channels, `'none'` for logits.
   * Default `numClasses > 1 ? 'softmax' : 'sigmoid'`.
   */
  activation?: OutputActivation;
}

/**
 * The segmentation head: a 1x1 conv (with bias) to `numClasses` channels and the output
 * activation. Softmax is taken over the last (channel) axis explicitly, since tfjs' Softmax
 * layer defaults to axis 1.
 *
 * Layers: `${name}_conv` and `${name}_act` (default name `'head'`).
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param numClasses - output channels.
 * @returns `[N, H, W, numClasses]` (or 3D): probabilities, or logits with `'none'`.
 * @example
 * ```ts
 * const probs = head(features, 3); // softmax over 3 classes
 * ```
 */
export function head(x: Sym, numClasses: number, options: HeadOptions = {}): Sym {
  const fn = 'head';
  assertOptionsObject(fn, options);
  const o = resolveCommon(fn, { name: 'head', ...options }, 'head', ['activation']);
  assertFeatureMap(fn, 'x', x, o.spatialDims);
  assertChannels(fn, 'numClasses', numClasses);
  const { activation = numClasses > 1 ? 'softmax' : 'sigmoid' } = options;
  assertOneOf(fn, 'options.activation', activation, OUTPUT_ACTIVATIONS);
  if (activation === 'softmax' && numClasses === 1) {
    throw new UnetKitError(fn, 'options.activation', "is 'softmax' with one class, which outputs 1 everywhere; use 'sigmoid' for a single foreground channel or numClasses >= 2.");
  }
  const logits = apply(o.L.conv({ filters: numClasses, kernelSize: 1, useBias: true, seed: o.nextSeed(), kernelInitializer: 'glorotUniform', name: `${o.name}_conv` }), x);
  return applyOptional(createActivation(resolveActivation(activation, fn), o.spatialDims, `${o.name}_act`), logits);
}
