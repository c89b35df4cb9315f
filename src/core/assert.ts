import { didYouMean } from './didYouMean.js';
import { UnetKitError } from './errors.js';
import { formatValue } from './format.js';

/** Anything with a shape: a `tf.Tensor` or a `tf.SymbolicTensor`. */
export interface Shaped {
  readonly shape: ReadonlyArray<number | null>;
}

/**
 * Throws a {@link UnetKitError} for `argument` of `functionName` showing the bad value and what
 * would be valid, then `hint` (a did-you-mean suggestion). The building stone of every other
 * assertion.
 *
 * @example `fail('unet', 'options.depth', 0, 'an integer >= 1')` throws
 * "unet: options.depth is 0; expected an integer >= 1."
 */
export function fail(functionName: string, argument: string, value: unknown, expected: string, hint = ''): never {
  throw new UnetKitError(functionName, argument, `is ${formatValue(value)}; expected ${expected}.${hint}`);
}

/**
 * Asserts `value` is one of `options`, suggesting the closest option when there is one.
 *
 * @example `assertOneOf('unet', 'options.norm', 'bach', ['batch', 'instance'])` throws
 * "unet: options.norm is 'bach'; expected one of 'batch', 'instance'. Did you mean 'batch'?"
 */
export function assertOneOf<T extends string | number>(
  functionName: string,
  argument: string,
  value: unknown,
  options: readonly T[],
): asserts value is T {
  if ((options as readonly unknown[]).includes(value)) return;
  const hint = typeof value === 'string' ? didYouMean(value, options.map(String)) : '';
  fail(functionName, argument, value, `one of ${options.map(formatValue).join(', ')}`, hint);
}

/** Numeric range with inclusive or exclusive ends. */
export interface NumberRange {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

function describeRange({ min, max, minExclusive, maxExclusive, integer }: NumberRange): string {
  let text = integer === true ? 'an integer' : 'a finite number';
  if (min !== undefined) text += ` ${minExclusive === true ? '>' : '>='} ${min}`;
  if (max !== undefined) text += `${min !== undefined ? ' and' : ''} ${maxExclusive === true ? '<' : '<='} ${max}`;
  return text;
}

/**
 * Asserts `value` is a finite number (optionally an integer) inside `range`.
 *
 * @example `assertNumber('dropout', 'options.rate', 1.5, { min: 0, max: 1, maxExclusive: true })` throws
 * "dropout: options.rate is 1.5; expected a finite number >= 0 and < 1."
 */
export function assertNumber(
  functionName: string,
  argument: string,
  value: unknown,
  range: NumberRange = {},
): asserts value is number {
  // Open ends as infinite bounds: every finite number is inside them.
  const { min = -Infinity, max = Infinity, minExclusive, maxExclusive, integer } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (integer !== true || Number.isInteger(value)) &&
    (minExclusive === true ? value > min : value >= min) &&
    (maxExclusive === true ? value < max : value <= max);
  if (!ok) fail(functionName, argument, value, describeRange(range));
}

/**
 * Asserts `value` is an integer inside `range` (shorthand for {@link assertNumber}).
 *
 * @example `assertInteger('unet', 'options.depth', 2.5, { min: 1 })` throws
 * "unet: options.depth is 2.5; expected an integer >= 1."
 */
export function assertInteger(
  functionName: string,
  argument: string,
  value: unknown,
  range: Omit<NumberRange, 'integer'> = {},
): asserts value is number {
  assertNumber(functionName, argument, value, { ...range, integer: true });
}

/**
 * Asserts `value` is a probability in [0, 1].
 *
 * @example `assertProbability('flip', 'options.probability', 1.2)` throws
 * "flip: options.probability is 1.2; expected a finite number >= 0 and <= 1."
 */
export function assertProbability(functionName: string, argument: string, value: unknown): asserts value is number {
  assertNumber(functionName, argument, value, { min: 0, max: 1 });
}

/**
 * Asserts `value` is a boolean.
 *
 * @example `assertBoolean('unet', 'options.deepSupervision', 'yes')` throws
 * "unet: options.deepSupervision is 'yes'; expected true or false."
 */
export function assertBoolean(functionName: string, argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') fail(functionName, argument, value, 'true or false');
}

/**
 * Asserts `value` is a non-empty array of numbers each satisfying `range`
 * (and of exactly `length` items when given).
 *
 * @example `assertNumberArray('unet', 'options.filters', [16, 0, 64], { min: 1, integer: true })` throws
 * "unet: options.filters is [16, 0, 64]; expected a non-empty array of numbers, each an integer >= 1 (item 1 is 0)."
 */
export function assertNumberArray(
  functionName: string,
  argument: string,
  value: unknown,
  range: NumberRange = {},
  length?: number,
): asserts value is number[] {
  const what = `${length !== undefined ? `an array of ${length}` : 'a non-empty array of'} numbers, each ${describeRange(range)}`;
  if (!Array.isArray(value) || value.length === 0 || (length !== undefined && value.length !== length)) {
    fail(functionName, argument, value, what);
  }
  value.forEach((item, i) => {
    try {
      assertNumber(functionName, `${argument}[${i}]`, item, range);
    } catch {
      fail(functionName, argument, value, `${what} (item ${i} is ${formatValue(item)})`);
    }
  });
}

/**
 * Asserts `spatialDims` is 2 or 3, the only spatial ranks unet-kit builds.
 *
 * @example `assertSpatialDims('unet', 4)` throws
 * "unet: options.spatialDims is 4; expected 2 (images) or 3 (volumes)."
 */
export function assertSpatialDims(functionName: string, value: unknown): asserts value is 2 | 3 {
  if (value !== 2 && value !== 3) fail(functionName, 'options.spatialDims', value, '2 (images) or 3 (volumes)');
}

/**
 * Asserts a tensor (or symbolic tensor) has one of the allowed ranks.
 *
 * @example `assertRank('diceLoss', 'yPred', tf.zeros([2, 2]), [4, 5], '[N, H, W, C] or [N, D, H, W, C]')` throws
 * "diceLoss: yPred has shape [2, 2] (rank 2); expected rank 4 or 5 ([N, H, W, C] or [N, D, H, W, C])."
 */
export function assertRank(
  functionName: string,
  argument: string,
  tensor: Shaped,
  ranks: readonly number[],
  meaning?: string,
): void {
  if (tensor === null || typeof tensor !== 'object' || !Array.isArray(tensor.shape)) {
    fail(functionName, argument, tensor, 'a tensor');
  }
  if (!ranks.includes(tensor.shape.length)) {
    throw new UnetKitError(
      functionName,
      argument,
      `has shape ${formatValue(tensor.shape)} (rank ${tensor.shape.length}); expected rank ${ranks.join(' or ')}${
        meaning !== undefined ? ` (${meaning})` : ''
      }.`,
    );
  }
}

/**
 * Asserts two tensors have the same shape (`null` dimensions match anything).
 *
 * @example `assertSameShape('dice', 'yTrue', tf.zeros([1, 4, 4, 2]), 'yPred', tf.zeros([1, 4, 4, 3]))` throws
 * "dice: yTrue and yPred have shapes [1, 4, 4, 2] and [1, 4, 4, 3]; expected the same shape."
 */
export function assertSameShape(
  functionName: string,
  argumentA: string,
  a: Shaped,
  argumentB: string,
  b: Shaped,
): void {
  for (const [argument, value] of [[argumentA, a], [argumentB, b]] as const) {
    if (value === null || typeof value !== 'object' || !Array.isArray(value.shape)) fail(functionName, argument, value, 'a tensor');
  }
  const same =
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === null || b.shape[i] === null || d === b.shape[i]);
  if (!same) {
    throw new UnetKitError(
      functionName,
      `${argumentA} and ${argumentB}`,
      `have shapes ${formatValue(a.shape)} and ${formatValue(b.shape)}; expected the same shape.`,
    );
  }
}

/**
 * Asserts `value` is a plain options object (or undefined, treated as `{}`).
 *
 * @example `assertOptionsObject('unet', 42)` throws "unet: options is 42; expected an options object."
 */
export function assertOptionsObject(functionName: string, value: unknown, argument = 'options'): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(functionName, argument, value, 'an options object');
  }
}

/**
 * Asserts every key of an options object is known, catching misspelt options that would
 * otherwise be silently ignored (`{ filter: [...] }` instead of `filters`).
 *
 * @example `assertKnownKeys('unet', { filter: [16] }, ['filters', 'depth'])` throws
 * "unet: options.filter is not a known option; expected one of filters, depth. Did you mean 'filters'?"
 */
export function assertKnownKeys(
  functionName: string,
  options: object | undefined,
  known: readonly string[],
  argument = 'options',
): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new UnetKitError(
        functionName,
        `${argument}.${key}`,
        `is not a known option; expected one of ${known.join(', ')}.${didYouMean(key, known)}`,
      );
    }
  }
}

/** Validates one option's value (never `undefined`), throwing via {@link fail}; `argument` is `options.<key>`. */
export type OptionCheck = (functionName: string, argument: string, value: unknown) => void;

/**
 * Asserts `options` is an options object (or undefined) with only the keys of `checks`, and runs
 * every option that is set through its check, in the order of `checks` (also the order the
 * unknown-key message lists them in). One table per function instead of a hand-written
 * `if (options.x !== undefined) assert...` line per option.
 *
 * @example `assertOptions('unet', { depth: 0 }, { depth: (f, a, v) => assertInteger(f, a, v, { min: 1 }) })` throws
 * "unet: options.depth is 0; expected an integer >= 1."
 */
export function assertOptions(functionName: string, options: unknown, checks: Readonly<Record<string, OptionCheck>>): void {
  assertOptionsObject(functionName, options);
  if (options === undefined) return;
  const keys = Object.keys(checks);
  assertKnownKeys(functionName, options as object, keys);
  for (const key of keys) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) checks[key]!(functionName, `options.${key}`, value);
  }
}
