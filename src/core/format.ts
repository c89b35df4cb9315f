/**
 * Renders a value for an error message: short, unambiguous, never throwing
 * (strings quoted, arrays bracketed, long arrays elided, at most 200 characters).
 *
 * @example `formatValue([1, 2])` is `'[1, 2]'`; `formatValue('x')` is `"'x'"`.
 */
export function formatValue(value: unknown): string {
  // Nested arrays and long strings would otherwise swamp the message around them.
  return truncate(render(value), 200);
}

/** `text` cut to `max` characters, the last three an ellipsis. */
function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function render(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  // A function's source can be pages long; its name is what identifies it.
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(formatValue).join(', ');
    return `[${shown}${value.length > 8 ? `, ... (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (value !== null && typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `tensor of shape ${formatValue(shape)}`;
    try {
      return truncate(JSON.stringify(value), 80);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  // Numbers (NaN and infinities read as such), booleans, null, undefined, symbols, bigints.
  return String(value);
}
