export { UnetKitError } from './errors.js';
export {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertNumberArray,
  assertOneOf,
  assertOptionsObject,
  assertProbability,
  assertRank,
  assertSameShape,
  assertSpatialDims,
  fail,
} from './assert.js';
export type { NumberRange, Shaped } from './assert.js';
export { closestMatch, editDistance } from './didYouMean.js';
export { formatValue } from './format.js';
export { createRng } from './rng.js';
export type { Rng } from './rng.js';
export { spatialLayers } from './spatial.js';
export type { Layer, SpatialConvArgs, SpatialDims, SpatialLayerTable, SpatialPoolArgs, SpatialUpsampleArgs } from './spatial.js';
export { ACTIVATION_TYPES, NORM_TYPES, resolveActivation, resolveNorm } from './options.js';
export type { ActivationSpec, ActivationType, NormSpec, NormType, ResolvedActivation, ResolvedNorm } from './options.js';
export { createActivation, createNorm } from './normAct.js';
