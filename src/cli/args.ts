import { parseArgs } from 'node:util';
import { closestMatch } from '../core/didYouMean.js';
import { UnetKitError } from '../core/errors.js';

/** One flag of a command: a string (repeatable with `multiple`) or a boolean switch. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Takes several values: repeated flags, comma lists and the shell's expansion of a glob. */
  multiple?: boolean;
  /** Shown by `--help`. */
  help: string;
  /** Placeholder in `--help`, e.g. `N`. */
  value?: string;
}

/** Flags of one command, by long name (without `--`). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** Parsed flags: strings, string lists (for `multiple`) and booleans. */
export type ParsedFlags = Record<string, string | string[] | boolean | undefined>;

/**
 * Parses `argv` against `flags` with Node's built-in `util.parseArgs` (no dependency; its
 * `tokens` let this function attach the words a shell glob expands to, `--images scans/*.nii.gz`,
 * to the flag before them, and name unknown flags with the closest known one).
 *
 * @throws UnetKitError naming the command, the unknown flag and the flag it probably meant.
 * @example `parseFlags('train', ['--epochs', '3'], { epochs: { type: 'string', help: '' } })` is `{ epochs: '3' }`.
 */
export function parseFlags(command: string, argv: readonly string[], flags: FlagTable): ParsedFlags {
  const names = Object.keys(flags);
  const options = Object.fromEntries(names.map((name) => [name, { type: flags[name]!.type, multiple: flags[name]!.multiple === true }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new UnetKitError(`unet-kit ${command}`, 'arguments', (error as Error).message);
  }
  const out: ParsedFlags = {};
  let lastMultiple: string | undefined;
  for (const token of parsed.tokens ?? []) {
    if (token.kind === 'option') {
      const spec = flags[token.name];
      if (spec === undefined) {
        const match = closestMatch(token.name, names);
        throw new UnetKitError(
          `unet-kit ${command}`,
          token.rawName,
          `is not a flag of this command.${match === undefined ? '' : ` Did you mean '--${match}'?`} Run 'unet-kit ${command} --help' for the list.`,
        );
      }
      if (spec.type === 'boolean') {
        if (token.value !== undefined) throw new UnetKitError(`unet-kit ${command}`, token.rawName, `is a switch and takes no value (got '${token.value}').`);
        out[token.name] = true;
        lastMultiple = undefined;
        continue;
      }
      if (token.value === undefined) throw new UnetKitError(`unet-kit ${command}`, token.rawName, 'needs a value.');
      if (spec.multiple === true) {
        const list = (out[token.name] as string[] | undefined) ?? [];
        list.push(...token.value.split(',').filter((v) => v !== ''));
        out[token.name] = list;
        lastMultiple = token.name;
      } else {
        if (out[token.name] !== undefined) throw new UnetKitError(`unet-kit ${command}`, token.rawName, `is given twice ('${String(out[token.name])}' and '${token.value}').`);
        out[token.name] = token.value;
        lastMultiple = undefined;
      }
    } else if (token.kind === 'positional') {
      if (lastMultiple === undefined) {
        throw new UnetKitError(`unet-kit ${command}`, 'arguments', `has a stray word '${token.value}' (every input goes after a flag, e.g. --images ${token.value}).`);
      }
      (out[lastMultiple] as string[]).push(token.value);
    }
  }
  return out;
}

/** The `--help` text of a command: usage line and one line per flag. */
export function flagHelp(usage: string, flags: FlagTable): string {
  const rows = Object.entries(flags).map(([name, spec]) => [`--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`, spec.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [usage, '', ...rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`)].join('\n');
}

/** A string flag as a number within limits, or `fallback` when absent. */
export function numberFlag(command: string, flags: ParsedFlags, name: string, fallback: number, limits: { min?: number; max?: number; integer?: boolean } = {}): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false } = limits;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    const range = `${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` <= ${max}` : ''}`;
    throw new UnetKitError(`unet-kit ${command}`, `--${name}`, `is '${String(raw)}'; expected ${kind}${range}.`);
  }
  return value;
}

/** A string flag that must be one of `choices` (did-you-mean on a typo). */
export function choiceFlag<T extends string>(command: string, flags: ParsedFlags, name: string, fallback: T, choices: readonly T[]): T {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
  const match = typeof raw === 'string' ? closestMatch(raw, choices) : undefined;
  throw new UnetKitError(`unet-kit ${command}`, `--${name}`, `is '${String(raw)}'; expected one of ${choices.join(', ')}.${match === undefined ? '' : ` Did you mean '${match}'?`}`);
}

/** A required path-list flag. */
export function pathsFlag(command: string, flags: ParsedFlags, name: string, required = true): string[] {
  const raw = flags[name];
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
    if (!required) return [];
    throw new UnetKitError(`unet-kit ${command}`, `--${name}`, 'is required (a folder, files, or a comma list).');
  }
  return Array.isArray(raw) ? raw : [String(raw)];
}

/** A required single-string flag. */
export function stringFlag(command: string, flags: ParsedFlags, name: string): string;
export function stringFlag(command: string, flags: ParsedFlags, name: string, fallback: string | undefined): string | undefined;
export function stringFlag(command: string, flags: ParsedFlags, name: string, ...rest: [string | undefined] | []): string | undefined {
  const raw = flags[name];
  if (raw === undefined) {
    if (rest.length > 0) return rest[0];
    throw new UnetKitError(`unet-kit ${command}`, `--${name}`, 'is required.');
  }
  return String(raw);
}
