import { expect } from 'vitest';

/** Asserts two nested numeric arrays are equal within `tolerance` (absolute + relative). */
export function expectClose(actual: unknown, expected: unknown, tolerance = 1e-5, path = 'value'): void {
  if (Array.isArray(expected) || ArrayBuffer.isView(expected)) {
    const a = Array.from(actual as ArrayLike<unknown>);
    const e = Array.from(expected as ArrayLike<unknown>);
    expect(a.length, `${path}.length`).toBe(e.length);
    e.forEach((item, i) => expectClose(a[i], item, tolerance, `${path}[${i}]`));
    return;
  }
  const a = actual as number;
  const e = expected as number;
  if (Number.isNaN(e)) {
    expect(Number.isNaN(a), `${path} should be NaN, is ${a}`).toBe(true);
    return;
  }
  if (!Number.isFinite(e)) {
    expect(a, path).toBe(e);
    return;
  }
  const ok = Math.abs(a - e) <= tolerance * (1 + Math.abs(e));
  expect(ok, `${path}: ${a} is not within ${tolerance} of ${e}`).toBe(true);
}

/** Largest absolute difference between two flat arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
