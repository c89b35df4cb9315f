/**
 * Renders a value for an error message: short, unambiguous, never throwing
 * (strings quoted, arrays bracketed, long arrays elided, at most 200 characters).
 *
 * @example `formatValue([1, 2])` is `'[1, 2]'`; `formatValue('x')` is `"'x'"`.
 */
export function formatValue(value: unknown): string {
  const text = render(value);
  // Nested arrays and long strings would otherwise swamp the message around them.
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text;
}

const MAX_LENGTH = 200;

function render(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  // A function's source can be pages long; its name is what identifies it.
  if (typeof value === 'function') return `function ${value.name !== '' ? value.name : '(anonymous)'}`;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(formatValue).join(', ');
    return `[${shown}${value.length > 8 ? `, ... (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `tensor of shape ${formatValue(shape)}`;
    try {
      const json = JSON.stringify(value);
      return json.length > 80 ? `${json.slice(0, 77)}...` : json;
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
