import { assertNumber, assertOneOf, fail, type NumberRange, type OptionCheck } from '../core/assert.js';
import { formatValue } from '../core/format.js';
import { OUTPUT_ACTIVATIONS } from '../core/outputActivation.js';
import { LOSS_REDUCTIONS } from './types.js';

// The option checks the losses' tables share (see assertOptions): each is called with the
// function name, `options.<key>` and the value, which is never undefined.

/** A number in `range`. */
export function numberIn(range: NumberRange): OptionCheck {
  return (fn, argument, value) => assertNumber(fn, argument, value, range);
}

/** One of `options`, with a did-you-mean hint for near misses. */
export function oneOf(options: readonly string[]): OptionCheck {
  return (fn, argument, value) => assertOneOf(fn, argument, value, options);
}

/** `activation`: one of {@link OUTPUT_ACTIVATIONS}. */
export const isActivation = oneOf(OUTPUT_ACTIVATIONS);

/** `reduction`: one of {@link LOSS_REDUCTIONS}. */
export const isReduction = oneOf(LOSS_REDUCTIONS);

/** `checkLabels`: a {@link LabelCheck}. */
export const isLabelCheck: OptionCheck = (fn, argument, value) => {
  if (value !== true && value !== false && value !== 'auto') fail(fn, argument, value, "true, false or 'auto'");
};

/** `classWeights`: a number or a non-empty array of numbers, all >= 0. */
export const isClassWeights: OptionCheck = (fn, argument, value) => {
  if (typeof value === 'number') return assertNumber(fn, argument, value, { min: 0 });
  const what = 'numbers >= 0, one per class';
  if (!Array.isArray(value) || value.length === 0) fail(fn, argument, value, `a number or an array of ${what}`);
  value.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) fail(fn, argument, value, `${what} (item ${i} is ${formatValue(w)})`);
  });
};

/** The checks of `checks` named in `keys`, in that order (the options a combined loss passes on). */
export function pickChecks(checks: Readonly<Record<string, OptionCheck>>, keys: readonly string[]): Record<string, OptionCheck> {
  return Object.fromEntries(keys.map((key) => [key, checks[key]!]));
}
