import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertKnownKeys, assertNumber, assertOneOf, assertOptions, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertCrossEntropyOptions, makeCrossEntropyLoss, type CrossEntropyLossOptions } from './crossEntropy.js';
import { isClassWeights, pickChecks } from './checks.js';
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

/** What the combined losses' Dice term applies to yPred (their second term always reads logits). */
export type CombinedActivation = 'softmax' | 'sigmoid' | 'none';

/** Options shared by {@link diceCELoss} and {@link diceFocalLoss} (MONAI names in brackets). */
export interface CombinedLossBaseOptions {
  /**
   * Applied to yPred before the Dice term only (`softmax` / `sigmoid`, as MONAI): `'softmax'`
   * (default), `'sigmoid'`, or `'none'` (yPred holds probabilities for Dice). The second term
   * reads the raw output as logits whatever this is.
   */
  activation?: CombinedActivation;
  /**
   * Class weights (`weight`): one number, or one entry per class of yPred (C). With C > 1 they
   * are the Dice term's `classWeights` (the background entry dropped with it) and the second
   * term's class weights; with C = 1 the Dice term ignores them (as MONAI) and, in
   * {@link diceCELoss}, the binary cross-entropy takes them as `positiveWeights` (torch
   * `pos_weight`). Not together with the sub-options' own `classWeights`.
   */
  weight?: number | number[];
  /** Label whose voxels count in neither term (an unet-kit extension). */
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
  /**
   * Cross-entropy options other than ignoreIndex, checkLabels and reduction. Its defaults are
   * MONAI's: `mode` from C (1: binary with logits, else softmax cross-entropy, whatever
   * `activation` is) and `fromLogits: true`.
   */
  crossEntropy?: Omit<CrossEntropyLossOptions, 'ignoreIndex' | 'checkLabels' | 'reduction'>;
}

/** Options of {@link diceFocalLoss}. */
export interface DiceFocalLossOptions extends CombinedLossBaseOptions {
  /** Count channel 0 in both terms (`include_background`). Default true; `dice.includeBackground` overrides it for Dice. */
  includeBackground?: boolean;
  /** Weight of the focal term (`lambda_focal`). Default 1. */
  lambdaFocal?: number;
  /**
   * Focal options other than includeBackground, ignoreIndex, checkLabels and reduction. Its
   * defaults are MONAI's: sigmoid focal on the raw output (`mode: 'multiclass'` is
   * `use_softmax`), `fromLogits: true`.
   */
  focal?: Omit<FocalLossOptions, 'includeBackground' | 'ignoreIndex' | 'checkLabels' | 'reduction'>;
}

const DICE_SUB_KEYS = [
  'includeBackground',
  'squared',
  'jaccard',
  'batch',
  'smoothNumerator',
  'smoothDenominator',
  'softLabel',
  'denominatorFloor',
  'zeroAbsentClasses',
  'classWeights',
];
const DICE_SUB_CHECKS = pickChecks(DICE_CHECKS, DICE_SUB_KEYS);

/** A loss whose single-channel and multi-channel forms differ (MONAI's C = 1 rules). */
function byChannels(single: LossFunction, multi: LossFunction): LossFunction {
  return (yTrue, yPred) => ((yPred as tf.Tensor).shape.at(-1) === 1 ? single : multi)(yTrue, yPred);
}

/** Rejects `weight` together with a sub-option's own `classWeights` (two sources for one thing). */
function assertOneWeightSource(fn: string, weight: unknown, sub: { classWeights?: unknown }, subName: string): void {
  if (weight !== undefined && sub.classWeights !== undefined) {
    throw new UnetKitError(
      fn,
      'options.weight',
      `is set together with options.${subName}.classWeights; give the class weights once (weight sets both terms, as MONAI).`,
    );
  }
}

function baseParts(fn: string, options: CombinedLossBaseOptions, extraKeys: string[], includeBackground?: boolean) {
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['activation', 'weight', 'ignoreIndex', 'checkLabels', 'lambdaDice', 'dice', ...extraKeys]);
  const { activation = 'softmax', weight, ignoreIndex, checkLabels, lambdaDice = 1, dice = {} } = options;
  assertOneOf(fn, 'options.activation', activation, ['softmax', 'sigmoid', 'none']);
  if (weight !== undefined) isClassWeights(fn, 'options.weight', weight);
  assertNumber(fn, 'options.lambdaDice', lambdaDice, { min: 0 });
  assertOptions(fn, dice, DICE_SUB_CHECKS);
  assertOneWeightSource(fn, weight, dice, 'dice');
  const weightList = Array.isArray(weight) ? [...weight] : weight;
  // The Dice term checks the labels; the second term reads the same target, so it skips.
  const diceOptions = { includeBackground, ...dice, activation, ignoreIndex, checkLabels };
  const diceTerm = byChannels(
    makeDiceLoss(fn, diceOptions),
    makeDiceLoss(fn, weightList === undefined ? diceOptions : { ...diceOptions, classWeights: weightList }),
  );
  return { diceTerm, lambdaDice, weightList, shared: { ignoreIndex, checkLabels: false } };
}

/**
 * Dice + cross-entropy, `lambdaDice * dice + lambdaCE * ce`, MONAI `DiceCELoss` semantics: Dice
 * as {@link diceLoss} after `activation`; cross-entropy as {@link crossEntropyLoss} on the raw
 * output as logits (softmax cross-entropy for C > 1, binary with logits for C = 1, whatever
 * `activation` is; background always counted), `weight` feeding both (see
 * {@link CombinedLossBaseOptions.weight}). nnU-Net's default training loss is this with 1:1,
 * softmax and `dice: { includeBackground: false }` (nnU-Net writes `-dc` where MONAI writes
 * `1 - dc`, a constant offset). For probabilities in yPred use `activation: 'none'` with
 * `crossEntropy: { fromLogits: false }`.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: diceCELoss({ dice: { includeBackground: false } }) });
 * ```
 */
export function diceCELoss(options: DiceCELossOptions = {}): LossFunction {
  const fn = 'diceCELoss';
  const { diceTerm, lambdaDice, weightList, shared } = baseParts(fn, options, ['lambdaCE', 'crossEntropy']);
  const { lambdaCE = 1, crossEntropy = {} } = options;
  assertNumber(fn, 'options.lambdaCE', lambdaCE, { min: 0 });
  assertCrossEntropyOptions(fn, crossEntropy, ['mode', 'fromLogits', 'classWeights', 'positiveWeights', 'ignoredInMean', 'labelSmoothing']);
  assertOneWeightSource(fn, weightList, crossEntropy, 'crossEntropy');
  const ceOptions = { ...crossEntropy, ...shared };
  const single = weightList === undefined ? ceOptions : { ...ceOptions, positiveWeights: typeof weightList === 'number' ? [weightList] : weightList };
  const multi = weightList === undefined ? ceOptions : { ...ceOptions, classWeights: typeof weightList === 'number' ? undefined : weightList };
  // One number is a plain factor of the softmax cross-entropy's numerator and denominator alike
  // (torch's weighted mean), so it changes nothing there.
  const ceTerm = byChannels(makeCrossEntropyLoss(fn, single), makeCrossEntropyLoss(fn, multi));
  return named(fn, combineLosses([
    [diceTerm, lambdaDice],
    [ceTerm, lambdaCE],
  ]));
}

/**
 * Dice + focal, `lambdaDice * dice + lambdaFocal * focal`, MONAI `DiceFocalLoss` semantics: Dice
 * as {@link diceLoss} after `activation`; focal as {@link focalLoss} on the raw output as logits
 * (sigmoid focal unless `focal: { mode: 'multiclass' }`, MONAI's `use_softmax`), independent of
 * `activation`; `includeBackground` and `weight` apply to both terms.
 *
 * @example
 * ```ts
 * const loss = diceFocalLoss({ activation: 'sigmoid', focal: { gamma: 2, alpha: 0.25 } });
 * ```
 */
export function diceFocalLoss(options: DiceFocalLossOptions = {}): LossFunction {
  const fn = 'diceFocalLoss';
  const { includeBackground, lambdaFocal = 1, focal = {} } = options;
  if (includeBackground !== undefined) assertBoolean(fn, 'options.includeBackground', includeBackground);
  const { diceTerm, lambdaDice, weightList, shared } = baseParts(fn, options, ['includeBackground', 'lambdaFocal', 'focal'], includeBackground);
  assertNumber(fn, 'options.lambdaFocal', lambdaFocal, { min: 0 });
  assertFocalOptions(fn, focal, ['gamma', 'alpha', 'mode', 'fromLogits', 'classWeights', 'sumOverClasses']);
  assertOneWeightSource(fn, weightList, focal, 'focal');
  const focalTerm = makeFocalLoss(fn, {
    ...focal,
    ...(weightList === undefined ? {} : { classWeights: weightList }),
    ...(includeBackground === undefined ? {} : { includeBackground }),
    ...shared,
  });
  return named(fn, combineLosses([
    [diceTerm, lambdaDice],
    [focalTerm, lambdaFocal],
  ]));
}
