// Per-kind counters for default block names, so blocks built without `name` never clash.
const counters = new Map<string, number>();

/** A fresh default name `${kind}_${n}` (n counts per kind within this process). */
export function autoName(kind: string): string {
  const n = (counters.get(kind) ?? 0) + 1;
  counters.set(kind, n);
  return `${kind}_${n}`;
}

