// Finds every code block users read: the fenced blocks of the README and the guides, and every
// TSDoc `@example` in src/. The snippet suite type-checks and runs what it finds here, so a block
// added anywhere is tested without registering it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One code block and where a reader finds it. */
export interface Snippet {
  /** `README.md:29` or `src/losses/dice.ts:81`: the file and the line of the opening fence. */
  where: string;
  /** The fence's language (`ts`, `js`, `sh`, `html`, ...), lower case; '' when the fence names none. */
  lang: string;
  /** The block's text, without the fences (and, for TSDoc, without the ` * ` margin). */
  code: string;
  /** `markdown` blocks are meant to be pasted; `tsdoc` examples show a call in context. */
  source: 'markdown' | 'tsdoc';
  /**
   * For markdown: the directive of an `<!-- snippet: ... -->` comment on the line just before
   * the fence (e.g. `run`, `browser test/docs/browserGuide.test.ts`), or '' when there is none.
   * For TSDoc: the source file's path, relative to the repository root.
   */
  directive: string;
}

/** The markdown files whose blocks are tested: the README and every guide page. */
export function markdownFiles(root: string): string[] {
  const guide = join(root, 'docs', 'guide');
  return [join(root, 'README.md'), ...readdirSync(guide).filter((f) => f.endsWith('.md')).sort().map((f) => join(guide, f))];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const DIRECTIVE = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/;

/** The fenced blocks of one markdown file (indented fences inside list items included). */
export function markdownSnippets(root: string, file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const name = relative(root, file);
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) body.push(lines[j]!.slice(indent!.length));
    const directive = DIRECTIVE.exec(lines[i - 1] ?? '')?.[1] ?? '';
    found.push({ where: `${name}:${i + 1}`, lang: open[3]!.toLowerCase(), code: body.join('\n') + '\n', source: 'markdown', directive });
    i = j;
  }
  return found;
}

/** Every `.ts` file under `dir`, sorted. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The ```ts blocks after `@example` tags in the TSDoc comments of every file under src/. */
export function tsdocSnippets(root: string): Snippet[] {
  const found: Snippet[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const name = relative(root, file);
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*\*\s*@example\b/.test(lines[i]!)) continue;
      // The fence opens on one of the next lines of the same comment.
      let k = i + 1;
      while (k < lines.length && /^\s*\*\s*$/.test(lines[k]!)) k++;
      const inline = /@example\s+(\S.*)$/.exec(lines[i]!);
      if (inline !== null) {
        // One-line form: code spans in prose, e.g. `@example \`nearestValidSizes(100, 16)\` is \`[96, 112]\``.
        found.push({ where: `${name}:${i + 1}`, lang: 'inline', code: inline[1]! + '\n', source: 'tsdoc', directive: name });
        continue;
      }
      const open = /^\s*\*\s*```\s*(\w*)/.exec(lines[k] ?? '');
      if (open === null) throw new Error(`${name}:${i + 1}: @example without a fenced code block or an inline code span`);
      const body: string[] = [];
      let j = k + 1;
      for (; j < lines.length && !/^\s*\*\s*```/.test(lines[j]!); j++) {
        if (/\*\/\s*$/.test(lines[j]!)) throw new Error(`${name}:${k + 1}: @example fence is not closed before the comment ends`);
        body.push(lines[j]!.replace(/^\s*\* ?/, ''));
      }
      found.push({ where: `${name}:${k + 1}`, lang: open[1]!.toLowerCase(), code: body.join('\n') + '\n', source: 'tsdoc', directive: name });
      i = j;
    }
  }
  return found;
}
