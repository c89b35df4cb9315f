import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOptionsObject } from '../core/assert.js';
import { activate, assertCommonOptions, dropBackground } from './common.js';
import { preparePair } from './targets.js';
import type { LabelCheck, LossActivation, LossReduction } from './types.js';

/**
 * The options Dice, Jaccard, Tversky and generalized Dice share (MONAI names in brackets); each
 * loss's options extend it with `batch`, `reduction` (whose `'none'` shape differs per loss) and
 * their own settings.
 */
export interface OverlapLossOptions {
  /** Applied to yPred first: `'none'` (default; probabilities), `'sigmoid'` or `'softmax'` (logits). */
  activation?: LossActivation;
  /** Count channel 0 (`include_background`). Default true; false needs C >= 2. */
  includeBackground?: boolean;
  /** Added to the numerator (`smooth_nr`). Default 1e-5; >= 0. */
  smoothNumerator?: number;
  /** Added to the denominator (`smooth_dr`). Default 1e-5; > 0 (keeps empty classes finite). */
  smoothDenominator?: number;
  /** Label whose voxels count nowhere (zeroed in prediction and target, as in SMP). */
  ignoreIndex?: number;
  /** Check label-map values (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
}

/** {@link OverlapLossOptions} with the `batch` and `reduction` every overlap loss also takes. */
type OverlapOptionsIn = OverlapLossOptions & { batch?: boolean; reduction?: LossReduction };

/** {@link OverlapLossOptions}, `batch` and `reduction` with their defaults filled in. */
export interface ResolvedOverlapOptions extends OverlapInputOptions {
  batch: boolean;
  smoothNumerator: number;
  smoothDenominator: number;
  reduction: LossReduction;
}

/**
 * The option keys of an overlap loss, in its documented order: `activation`,
 * `includeBackground`, the loss's own `before` keys, `batch`, the smoothing terms, its `after`
 * keys, then `ignoreIndex`, `reduction`, `checkLabels`.
 */
export function overlapKeys(before: readonly string[], after: readonly string[] = []): string[] {
  return [
    'activation',
    'includeBackground',
    ...before,
    'batch',
    'smoothNumerator',
    'smoothDenominator',
    ...after,
    'ignoreIndex',
    'reduction',
    'checkLabels',
  ];
}

/**
 * Validates the options object of an overlap loss: unknown keys (against `keys`), the common
 * loss options, the booleans `includeBackground`, `extraBooleans` and `batch`, and the smoothing
 * terms. Each loss checks its own numbers after this.
 */
export function assertOverlapOptions(
  fn: string,
  options: OverlapOptionsIn | undefined,
  keys: readonly string[],
  extraBooleans: readonly string[] = [],
): void {
  assertOptionsObject(fn, options);
  if (options === undefined) return;
  assertKnownKeys(fn, options, keys);
  assertCommonOptions(fn, options);
  for (const key of ['includeBackground', ...extraBooleans, 'batch']) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) assertBoolean(fn, `options.${key}`, value);
  }
  if (options.smoothNumerator !== undefined) assertNumber(fn, 'options.smoothNumerator', options.smoothNumerator, { min: 0 });
  if (options.smoothDenominator !== undefined) {
    assertNumber(fn, 'options.smoothDenominator', options.smoothDenominator, { min: 0, minExclusive: true });
  }
}

/** The shared overlap options with MONAI's defaults filled in (`'none'`, background counted, 1e-5 smoothing, `'mean'`). */
export function resolveOverlapOptions(options: OverlapOptionsIn = {}): ResolvedOverlapOptions {
  const {
    activation = 'none',
    includeBackground = true,
    batch = false,
    smoothNumerator = 1e-5,
    smoothDenominator = 1e-5,
    ignoreIndex,
    reduction = 'mean',
    checkLabels,
  } = options;
  return { activation, includeBackground, batch, smoothNumerator, smoothDenominator, ignoreIndex, reduction, checkLabels };
}

/** Options shared by the overlap losses when bringing inputs to `[N, V, C']`. */
export interface OverlapInputOptions {
  activation: LossActivation;
  includeBackground: boolean;
  ignoreIndex: number | undefined;
  checkLabels: LabelCheck | undefined;
}

/** Activated prediction and target, masked and without background where asked: `[N, V, C']`. */
export interface OverlapInputs {
  p: tf.Tensor3D;
  g: tf.Tensor3D;
  /** C, the number of prediction channels before dropping the background. */
  numClasses: number;
}

/**
 * The common front of Dice, Jaccard, Tversky and generalized Dice, in MONAI's order: activation
 * on the whole prediction, then the ignore mask (as in SMP: both prediction and target are
 * zeroed where the label is `ignoreIndex`, so those voxels add to no sum), then dropping
 * channel 0. Call inside `tf.tidy`.
 */
export function overlapInputs(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor, options: OverlapInputOptions): OverlapInputs {
  const pair = preparePair(fn, yTrue, yPred, { ignoreIndex: options.ignoreIndex, checkLabels: options.checkLabels });
  let p = activate(fn, pair.pred, options.activation);
  let g = pair.target;
  if (pair.mask !== null) {
    p = tf.mul(p, pair.mask);
    g = tf.mul(g, pair.mask);
  }
  [p, g] = dropBackground(fn, options.includeBackground, p, g) as [tf.Tensor3D, tf.Tensor3D];
  return { p, g, numClasses: pair.numClasses };
}

/** Axes to sum for per-sample-and-class values (`[N, C']`) or, with `batch`, per class (`[C']`). */
export function overlapAxes(batch: boolean): number[] {
  return batch ? [0, 1] : [1];
}
