/**
 * Levenshtein edit distance between two strings (case-insensitive), used to suggest the
 * closest valid option in error messages.
 *
 * @example `editDistance('bach', 'Batch')` is 1 (one insertion; case is ignored).
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The valid option closest to `value`, or `undefined` when none is close enough
 * (distance at most a third of the longer string, minimum 2).
 *
 * @example `closestMatch('bach', ['batch', 'instance'])` is `'batch'`.
 */
export function closestMatch(value: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const distance = editDistance(value, option);
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  // A far "closest" option would be a wrong hint rather than a typo fix.
  const limit = Math.max(2, Math.floor(Math.max(value.length, best?.length ?? 0) / 3));
  return bestDistance <= limit ? best : undefined;
}

/**
 * The hint error messages end with: `" Did you mean 'x'?"` for the option closest to `value`,
 * or `''` when none is close (see {@link closestMatch}).
 *
 * @example `didYouMean('bach', ['batch', 'instance'])` is `" Did you mean 'batch'?"`.
 */
export function didYouMean(value: string, options: readonly string[]): string {
  const match = closestMatch(value, options);
  return match === undefined ? '' : ` Did you mean '${match}'?`;
}
