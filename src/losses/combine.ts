import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOneOf, assertOptions, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertCrossEntropyOptions, makeCrossEntropyLoss, type CrossEntropyLossOptions } from './crossEntropy.js';
import { pickChecks } from './checks.js';
import { DICE_CHECKS, makeDiceLoss, type DiceLossOptions } from './dice.js';
import { assertFocalOptions, makeFocalLoss, type FocalLossOptions } from './focal.js';
import { named } from './common.js';
import type { LabelCheck, LossFunction } from './types.js';

/** One term of {@link combineLosses}: a loss and its weight. */
export type WeightedLoss = readonly [LossFunction, number];

/**
 * Weighted sum of losses: `loss = sum_i w_i * loss_i(yTrue, yPred)`, each evaluated on the same
 * inputs (MONAI's `DiceCELoss` pattern, `lambda_dice * dice + lambda_ce * ce`). Every term must
 * return a scalar (reduction `'mean'` or `'sum'`); terms with weight 0 are skipped.
 *
 * @example
 * ```ts
 * const loss = combineLosses([[diceLoss({ activation: 'softmax' }), 1], [crossEntropyLoss(), 0.5]]);
 * model.compile({ optimizer: 'adam', loss });
 * ```
 */
export function combineLosses(terms: readonly WeightedLoss[]): LossFunction {
  const fn = 'combineLosses';
  if (!Array.isArray(terms) || terms.length === 0) fail(fn, 'terms', terms, 'a non-empty array of [loss, weight] pairs');
  terms.forEach((term, i) => {
    if (!Array.isArray(term) || term.length !== 2 || typeof term[0] !== 'function') {
      fail(fn, `terms[${i}]`, term, 'a [loss, weight] pair: a loss function and a number >= 0');
    }
    assertNumber(fn, `terms[${i}][1]`, term[1], { min: 0 });
  });
  const copy = terms.map(([loss, weight], index) => [loss, weight, index] as const).filter(([, weight]) => weight !== 0);
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      let total: tf.Tensor = tf.scalar(0);
      copy.forEach(([loss, weight, i]) => {
        const value = loss(yTrue, yPred);
        if (value.rank !== 0) {
          throw new UnetKitError(
            fn,
            `terms[${i}]`,
            `returned shape ${formatValue(value.shape)}; expected a scalar (use reduction 'mean' or 'sum' for combined losses).`,
          );
        }
        total = tf.add(total, weight === 1 ? value : tf.mul(value, weight));
      });
      return total;
    }),
  );
}

/** What the combined losses assume yPred holds. */
export type CombinedActivation = 'softmax' | 'sigmoid' | 'none';

/** Options shared by {@link diceCELoss} and {@link diceFocalLoss}. */
export interface CombinedLossBaseOptions {
  /**
   * `'softmax'` (default): yPred are logits of exclusive classes; `'sigmoid'`: per-channel
   * logits (binary / multi-label); `'none'`: probabilities (multiclass when C > 1).
   */
  activation?: CombinedActivation;
  /** Label whose voxels count in neither term. */
  ignoreIndex?: number;
  /** Check label-map values once per call (see {@link LabelCheck}). Default `'auto'`. */
  checkLabels?: LabelCheck;
  /** Weight of the Dice term (`lambda_dice`). Default 1. */
  lambdaDice?: number;
  /** Dice options other than activation, ignoreIndex, checkLabels and reduction. */
  dice?: Omit<DiceLossOptions, 'activation' | 'ignoreIndex' | 'checkLabels' | 'reduction'>;
}

/** Options of {@link diceCELoss}. */
export interface DiceCELossOptions extends CombinedLossBaseOptions {
  /** Weight of the cross-entropy term (`lambda_ce`). Default 1. */
  lambdaCE?: number;
  /** Cross-entropy options other than mode, fromLogits, ignoreIndex, checkLabels and reduction. */
  crossEntropy?: Omit<CrossEntropyLossOptions, 'mode' | 'fromLogits' | 'ignoreIndex' | 'checkLabels' | 'reduction'>;
}

/** Options of {@link diceFocalLoss}. */
export interface DiceFocalLossOptions extends CombinedLossBaseOptions {
  /** Weight of the focal term (`lambda_focal`). Default 1. */
  lambdaFocal?: number;
  /** Focal options other than mode, fromLogits, ignoreIndex, checkLabels and reduction. */
  focal?: Omit<FocalLossOptions, 'mode' | 'fromLogits' | 'ignoreIndex' | 'checkLabels' | 'reduction'>;
}

const DICE_SUB_KEYS = ['includeBackground', 'squared', 'jaccard', 'batch', 'smoothNumerator', 'smoothDenominator', 'classWeights'];
const DICE_SUB_CHECKS = pickChecks(DICE_CHECKS, DICE_SUB_KEYS);

function baseParts(fn: string, options: CombinedLossBaseOptions, extraKeys: string[]) {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['activation', 'ignoreIndex', 'checkLabels', 'lambdaDice', 'dice', ...extraKeys]);
  const { activation = 'softmax', ignoreIndex, checkLabels, lambdaDice = 1, dice = {} } = options;
  assertOneOf(fn, 'options.activation', activation, ['softmax', 'sigmoid', 'none']);
  assertNumber(fn, 'options.lambdaDice', lambdaDice, { min: 0 });
  assertOptions(fn, dice, DICE_SUB_CHECKS);
  // The Dice term checks the labels; the second term reads the same target, so it skips.
  const diceTerm = makeDiceLoss(fn, { ...dice, activation, ignoreIndex, checkLabels });
  const mode = activation === 'softmax' ? ('multiclass' as const) : activation === 'sigmoid' ? ('binary' as const) : undefined;
  const shared = { mode, fromLogits: activation !== 'none', ignoreIndex, checkLabels: false };
  return { diceTerm, lambdaDice, shared };
}

/**
 * Dice + cross-entropy, `lambdaDice * dice + lambdaCE * ce` (MONAI `DiceCELoss`; nnU-Net's
 * default training loss is this with weights 1:1, softmax and `dice: { includeBackground:
 * false }`, nnU-Net writing `-dc` where MONAI writes `1 - dc`, a constant offset). Dice as
 * {@link diceLoss}, cross-entropy as {@link crossEntropyLoss}, both on the same logits.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: diceCELoss({ dice: { includeBackground: false } }) });
 * ```
 */
export function diceCELoss(options: DiceCELossOptions = {}): LossFunction {
  const fn = 'diceCELoss';
  const { diceTerm, lambdaDice, shared } = baseParts(fn, options, ['lambdaCE', 'crossEntropy']);
  const { lambdaCE = 1, crossEntropy = {} } = options;
  assertNumber(fn, 'options.lambdaCE', lambdaCE, { min: 0 });
  assertCrossEntropyOptions(fn, crossEntropy, ['classWeights', 'labelSmoothing']);
  const ceTerm = makeCrossEntropyLoss(fn, { ...crossEntropy, ...shared });
  return named(fn, combineLosses([
    [diceTerm, lambdaDice],
    [ceTerm, lambdaCE],
  ]));
}

/**
 * Dice + focal, `lambdaDice * dice + lambdaFocal * focal` (MONAI `DiceFocalLoss`). Dice as
 * {@link diceLoss}, focal as {@link focalLoss}, both on the same logits.
 *
 * @example
 * ```ts
 * const loss = diceFocalLoss({ activation: 'sigmoid', focal: { gamma: 2, alpha: 0.25 } });
 * ```
 */
export function diceFocalLoss(options: DiceFocalLossOptions = {}): LossFunction {
  const fn = 'diceFocalLoss';
  const { diceTerm, lambdaDice, shared } = baseParts(fn, options, ['lambdaFocal', 'focal']);
  const { lambdaFocal = 1, focal = {} } = options;
  assertNumber(fn, 'options.lambdaFocal', lambdaFocal, { min: 0 });
  assertFocalOptions(fn, focal, ['gamma', 'alpha']);
  const focalTerm = makeFocalLoss(fn, { ...focal, ...shared });
  return named(fn, combineLosses([
    [diceTerm, lambdaDice],
    [focalTerm, lambdaFocal],
  ]));
}
