// Turns snippets into TypeScript modules the compiler can check and vitest can import. A
// markdown block is a file as written (it is meant to be pasted). A TSDoc example is a call in the
// context of its module, as a reader sees it in the API docs: it gets its file's exports and the
// public API in scope, `tf` / `tfl`, and the reader's data (`model`, `image`, ...) from
// context.d.ts, and it runs in a block so its own names may shadow those.
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './extract.js';

/** A generated module: where it is written, its text and the snippet it came from. */
export interface SnippetModule {
  snippet: Snippet;
  file: string;
  text: string;
}

/** The code spans of an inline `@example` line, in order: `` `a(1)` is `2` `` gives ['a(1)', '2']. */
export function codeSpans(line: string): string[] {
  return [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/**
 * The code spans of an inline example that are code: the first, and each one that a claim
 * follows (`` `f(1)` is `2` ``, `` `g()` throws ``); the others are values or prose.
 */
export function inlineStatements(line: string): string[] {
  const spans = [...line.matchAll(/`([^`]+)`(\s*(?:is|throws|gives|equals|maps|restarts|or)\b)?/g)];
  return spans.filter((m, i) => i === 0 || m[2] !== undefined || /\bor\s*$/.test(line.slice(0, m.index))).map((m) => m[1]!);
}

/** The names a module exports (values and types), read with the compiler. */
export function exportedNames(program: ts.Program, file: string): string[] {
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`${file} is not in the program`);
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(source);
  return symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.name).filter((n) => n !== 'default');
}

/** Whether the snippet brings its own imports (then it is a program and gets no added scope). */
export function hasImports(code: string): boolean {
  return /^\s*import\s[\s\S]*?from\s+['"]|^\s*import\s+['"]/m.test(code);
}

/**
 * The module text of a TSDoc example: imports of `tf`, `tfl`, the public API and the other
 * exports of its own folder (`siblings`: each file of it with its names), then the example inside
 * a block. Inline examples contribute each code span
 * that reads as code as one statement.
 */
export function tsdocModuleText(snippet: Snippet, root: string, outDir: string, publicNames: string[], siblings: Array<[string, string[]]>): string {
  const spec = (path: string) => relative(outDir, join(root, path)).replace(/\.ts$/, '.js').replace(/^(?!\.)/, './');
  const body =
    snippet.lang === 'inline'
      ? inlineStatements(snippet.code).map((s) => `${s.replace(/;\s*$/, '')};`).join('\n')
      : snippet.code;
  if (hasImports(body)) return `// ${snippet.where}\n${body}\nexport {};\n`;
  const taken = new Set([...publicNames, 'tf', 'tfl']);
  const folderImports = siblings.flatMap(([path, names]) => {
    const fresh = names.filter((n) => !taken.has(n));
    for (const n of fresh) taken.add(n);
    return fresh.length > 0 ? [`import { ${fresh.join(', ')} } from '${spec(path)}';`] : [];
  });
  return [
    `// ${snippet.where}`,
    `import * as tf from '@tensorflow/tfjs-core';`,
    `import * as tfl from '@tensorflow/tfjs-layers';`,
    `import { ${publicNames.join(', ')} } from '${spec('src/index.ts')}';`,
    ...folderImports,
    `export {};`,
    `{`,
    body,
    `}`,
    '',
  ].join('\n');
}

/** A file name for a snippet: its source path and line, flattened. */
export function snippetFileName(snippet: Snippet, ext: string): string {
  return snippet.where.replace(/[/:.]/g, '_') + ext;
}

/** A claim an inline example makes: `` `f(1)` is `2` `` (a value) or `` `g()` throws ``. */
export interface Claim {
  code: string;
  /** The expected value's source text (a code span, or a number as written in prose); undefined for `throws`. */
  expected?: string;
}

/**
 * The claims of an inline example: each code span followed by `is` and a code span or a number
 * (`is 24`, `is 7,360`), or by `throws`. Other sentences (`maps ... to`, `gives ..., ...`) are
 * prose and only type-checked.
 */
export function inlineClaims(line: string): Claim[] {
  const claims: Claim[] = [];
  const pattern = /`([^`]+)`\s*(?:is\s+(?:`([^`]+)`|(-?[\d,]*\.?\d+(?:e-?\d+)?)\b)|(throws)\b)/g;
  for (const m of line.matchAll(pattern)) {
    if (m[4] !== undefined) claims.push({ code: m[1]! });
    else claims.push({ code: m[1]!, expected: m[2] ?? m[3]!.replace(/,/g, '') });
  }
  return claims;
}

/**
 * A module exporting an inline example's claims as thunks, in the scope {@link tsdocModuleText}
 * gives the example; undefined when the example makes no claim.
 */
export function claimModuleText(snippet: Snippet, root: string, outDir: string, publicNames: string[], siblings: Array<[string, string[]]>): string | undefined {
  const claims = inlineClaims(snippet.code);
  if (claims.length === 0) return undefined;
  const entries = claims.map((c) =>
    c.expected === undefined
      ? `  { code: ${JSON.stringify(c.code)}, actual: async () => { ${c.code}; } },`
      : `  { code: ${JSON.stringify(c.code)}, actual: async () => (${c.code}), expected: ${JSON.stringify(c.expected)}, value: () => (${c.expected}) },`,
  );
  const scoped = tsdocModuleText({ ...snippet, code: '' , lang: 'ts' }, root, outDir, publicNames, siblings).replace(/\{\n\n\}\n$/, '');
  return `${scoped}\nexport const claims = [\n${entries.join('\n')}\n];\n`;
}
