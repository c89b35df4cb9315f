/**
 * unet-kit/losses: segmentation losses as `(yTrue, yPred) => tf.Scalar` factories, usable in
 * `model.compile({ loss })` and in custom training loops. Channels-last, any rank; targets
 * one-hot or integer label maps. Formulas follow MONAI, nnU-Net and the original papers.
 * @module unet-kit/losses
 */
export { diceLoss, jaccardLoss } from './dice.js';
export type { DiceLossOptions, JaccardLossOptions } from './dice.js';
export { generalizedDiceLoss } from './generalizedDice.js';
export type { GeneralizedDiceLossOptions, GeneralizedDiceWeight } from './generalizedDice.js';
export { tverskyLoss, focalTverskyLoss } from './tversky.js';
export type { TverskyLossOptions, FocalTverskyLossOptions } from './tversky.js';
export { focalLoss } from './focal.js';
export type { FocalLossOptions } from './focal.js';
export { crossEntropyLoss } from './crossEntropy.js';
export { mccLoss } from './mcc.js';
export type { MccLossOptions } from './mcc.js';
export type { CrossEntropyLossOptions } from './crossEntropy.js';
export type { ProbabilityMode } from './probabilities.js';
export { combineLosses, diceCELoss, diceFocalLoss } from './combine.js';
export type {
  CombinedActivation,
  CombinedLossBaseOptions,
  DiceCELossOptions,
  DiceFocalLossOptions,
  WeightedLoss,
} from './combine.js';
export {
  deepSupervisionLoss,
  deepSupervisionLosses,
  deepSupervisionTargets,
  deepSupervisionWeights,
  downsampleTarget,
} from './deepSupervision.js';
export type { DeepSupervisionLossFunction, DeepSupervisionOptions, DeepSupervisionTargetsOptions } from './deepSupervision.js';
export type { LabelCheck, LossFunction, LossReduction } from './types.js';
export { OUTPUT_ACTIVATIONS } from '../core/outputActivation.js';
export type { OutputActivation } from '../core/outputActivation.js';
export type { OverlapLossOptions } from './overlap.js';
export { setFiniteChecks } from '../ops/assertFinite.js';
export type { FiniteCheckMode } from '../ops/assertFinite.js';
