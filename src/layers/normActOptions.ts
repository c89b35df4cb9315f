import { assertKnownKeys, assertNumber, assertOneOf, fail } from '../core/assert.js';

/**
 * Normalization names accepted wherever a block takes `norm`.
 *
 * @example `NORM_TYPES.map((norm) => unet({ inputShape: [64, 64, 1], numClasses: 1, norm }))`
 */
export const NORM_TYPES = ['batch', 'instance', 'group', 'layer', 'none'] as const;
/** A normalization kind. */
export type NormType = (typeof NORM_TYPES)[number];

/**
 * A normalization spec: a name, or `{ type, ...options }`.
 * - `batch`: `momentum` (Keras convention: weight of the old running value, default 0.99), `epsilon` (1e-3).
 * - `instance`: `epsilon` (1e-5), `affine` (true). Per sample and channel (Ulyanov et al. 2016).
 * - `group`: `groups` (default 8, clamped to a divisor of the channel count), `epsilon` (1e-5), `affine` (true) (Wu & He 2018).
 * - `layer`: `epsilon` (1e-3); normalizes over the channel axis of each position (channels-last LayerNorm).
 */
export type NormSpec =
  | NormType
  | { type: 'batch'; momentum?: number; epsilon?: number }
  | { type: 'instance'; epsilon?: number; affine?: boolean }
  | { type: 'group'; groups?: number; epsilon?: number; affine?: boolean }
  | { type: 'layer'; epsilon?: number }
  | { type: 'none' };

/** A normalized {@link NormSpec}: always an object with every option filled in. */
export interface ResolvedNorm {
  type: NormType;
  momentum: number;
  epsilon: number;
  affine: boolean;
  groups: number;
}

// Options that do not apply to the chosen type are rejected, not ignored: `{ type: 'batch', groups: 8 }`
// is a mistake the caller wants to hear about.
const NORM_KEYS: Record<NormType, readonly string[]> = {
  batch: ['type', 'momentum', 'epsilon'],
  instance: ['type', 'epsilon', 'affine'],
  group: ['type', 'groups', 'epsilon', 'affine'],
  layer: ['type', 'epsilon'],
  none: ['type'],
};

/**
 * Turns a {@link NormSpec} into a {@link ResolvedNorm} with defaults, validating it.
 *
 * @example `resolveNorm('instance', 'unet')` gives `{ type: 'instance', epsilon: 1e-5, affine: true, ... }`.
 */
export function resolveNorm(spec: unknown, functionName: string, argument = 'options.norm'): ResolvedNorm {
  const object = typeof spec === 'string' ? { type: spec } : spec;
  if (object === null || typeof object !== 'object') {
    fail(functionName, argument, spec, `one of ${NORM_TYPES.map((n) => `'${n}'`).join(', ')} or { type, ...options }`);
  }
  const { type, momentum, epsilon, affine, groups } = object as Record<string, unknown>;
  assertOneOf(functionName, typeof spec === 'string' ? argument : `${argument}.type`, type, NORM_TYPES);
  assertKnownKeys(functionName, object as object, NORM_KEYS[type], argument);
  const defaultEpsilon = type === 'instance' || type === 'group' ? 1e-5 : 1e-3;
  const resolved: ResolvedNorm = {
    type,
    momentum: momentum === undefined ? 0.99 : (momentum as number),
    epsilon: epsilon === undefined ? defaultEpsilon : (epsilon as number),
    affine: affine === undefined ? true : (affine as boolean),
    groups: groups === undefined ? 8 : (groups as number),
  };
  assertNumber(functionName, `${argument}.momentum`, resolved.momentum, { min: 0, max: 1 });
  assertNumber(functionName, `${argument}.epsilon`, resolved.epsilon, { min: 0, minExclusive: true });
  assertNumber(functionName, `${argument}.groups`, resolved.groups, { min: 1, integer: true });
  if (typeof resolved.affine !== 'boolean') fail(functionName, `${argument}.affine`, resolved.affine, 'true or false');
  return resolved;
}

/**
 * Activation names accepted wherever a block takes `activation`.
 *
 * @example `ACTIVATION_TYPES.includes('leakyRelu')` is `true`.
 */
export const ACTIVATION_TYPES = [
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'swish',
  'relu6',
  'prelu',
  'sigmoid',
  'tanh',
  'softmax',
  'none',
] as const;
/** An activation kind. */
export type ActivationType = (typeof ACTIVATION_TYPES)[number];

/**
 * An activation spec: a name, or `{ type: 'leakyRelu', alpha }` / `{ type: 'elu', alpha }`.
 * `leakyRelu` defaults to slope 0.01 (PyTorch and nnU-Net), not Keras' 0.3. `elu` takes only
 * `alpha: 1` (tfjs' ELU layer implements no other).
 */
export type ActivationSpec = ActivationType | { type: ActivationType; alpha?: number };

/** A normalized {@link ActivationSpec}. */
export interface ResolvedActivation {
  type: ActivationType;
  alpha: number;
}

/**
 * Turns an {@link ActivationSpec} into a {@link ResolvedActivation}, validating it.
 *
 * @example `resolveActivation('leakyRelu', 'unet')` gives `{ type: 'leakyRelu', alpha: 0.01 }`.
 */
export function resolveActivation(
  spec: unknown,
  functionName: string,
  argument = 'options.activation',
): ResolvedActivation {
  const object = typeof spec === 'string' ? { type: spec } : spec;
  if (object === null || typeof object !== 'object') {
    fail(functionName, argument, spec, `one of ${ACTIVATION_TYPES.map((n) => `'${n}'`).join(', ')} or { type, alpha }`);
  }
  const { type, alpha } = object as Record<string, unknown>;
  assertOneOf(functionName, typeof spec === 'string' ? argument : `${argument}.type`, type, ACTIVATION_TYPES);
  assertKnownKeys(functionName, object as object, type === 'leakyRelu' || type === 'elu' ? ['type', 'alpha'] : ['type'], argument);
  const resolved = { type, alpha: alpha === undefined ? (type === 'elu' ? 1 : 0.01) : (alpha as number) };
  assertNumber(functionName, `${argument}.alpha`, resolved.alpha, { min: 0 });
  // tfjs 4.22's ELU layer throws NotImplementedError for any other alpha, at model build time.
  if (type === 'elu' && resolved.alpha !== 1) fail(functionName, `${argument}.alpha`, resolved.alpha, "1 (tfjs' ELU layer supports only alpha 1)");
  return resolved;
}
