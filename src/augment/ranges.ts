import { assertNumber, fail } from '../core/assert.js';

/** A random range: `[min, max]`, or for symmetric parameters a number `v` meaning `[-v, v]`. */
export type RangeLike = number | readonly [number, number];

/**
 * Normalizes a range option. `symmetric` ranges accept a number `v` as `[-v, v]`; others need
 * `[min, max]` (a bare number there would be ambiguous) or a number meaning a fixed value when
 * `fixedNumber` is set. Validates finiteness, order and bounds.
 */
export function toRange(
  functionName: string,
  argument: string,
  value: unknown,
  {
    symmetric = false,
    min,
    max,
    minExclusive = false,
    fixedNumber = false,
  }: { symmetric?: boolean; min?: number; max?: number; minExclusive?: boolean; fixedNumber?: boolean } = {},
): [number, number] {
  const bounds = { min, max, minExclusive };
  if (typeof value === 'number') {
    if (symmetric) {
      assertNumber(functionName, argument, value, { min: 0 });
      if (max !== undefined) assertNumber(functionName, argument, value, { max });
      return [-value, value];
    }
    if (fixedNumber) {
      assertNumber(functionName, argument, value, bounds);
      return [value, value];
    }
    fail(functionName, argument, value, 'a range [min, max]');
  }
  if (!Array.isArray(value) || value.length !== 2) {
    fail(functionName, argument, value, symmetric ? 'a number v (meaning [-v, v]) or a range [min, max]' : 'a range [min, max]');
  }
  const [lo, hi] = value as [unknown, unknown];
  assertNumber(functionName, `${argument}[0]`, lo, bounds);
  assertNumber(functionName, `${argument}[1]`, hi, bounds);
  if (lo > hi) fail(functionName, argument, value, 'a range [min, max] with min <= max');
  return [lo, hi];
}
