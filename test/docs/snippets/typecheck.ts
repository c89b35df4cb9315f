// Type-checks generated snippet modules in one compiler program with the project's strict
// options; `unet-kit` and its subpaths resolve to src/ the way package.json's exports map them.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './extract.js';
import { claimModuleText, exportedNames, snippetFileName, tsdocModuleText, type SnippetModule } from './modules.js';

/** The folders of `src/` that are subpaths of the package (`unet-kit/losses`, ...). */
const SUBPATHS = ['augment', 'backend', 'blocks', 'cli', 'compress', 'data', 'explain', 'inference', 'io', 'layers', 'losses', 'metrics', 'models', 'train'];

/** The compiler options of tsconfig.json, with the package's own name mapped to src/. */
export function snippetCompilerOptions(root: string): ts.CompilerOptions {
  const paths: Record<string, string[]> = { 'unet-kit': [join(root, 'src', 'index.ts')] };
  for (const sub of SUBPATHS) paths[`unet-kit/${sub}`] = [join(root, 'src', sub, 'index.ts')];
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    paths,
  };
}

/** What {@link typecheckSnippets} found: diagnostics per snippet, and the claim modules it wrote. */
export interface TypecheckResult {
  /** Each snippet's diagnostics (empty when it checks), its claim module's included. */
  diagnostics: Map<Snippet, string[]>;
  /** The modules exporting the claims of inline examples (see `claimModuleText`). */
  claimModules: SnippetModule[];
}

/**
 * Writes one module per snippet into `outDir` (and one per inline example that makes claims)
 * and type-checks them together with `context` (the ambient declarations of a reader's data).
 */
export function typecheckSnippets(root: string, outDir: string, snippets: Snippet[], context: string): TypecheckResult {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const options = snippetCompilerOptions(root);
  const host = ts.createCompilerHost(options);

  // One program over the sources first, for the names each example's scope gets.
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join('src', f));
  const base = ts.createProgram([join(root, 'src', 'index.ts'), ...sources.map((f) => join(root, f))], options, host);
  const publicNames = exportedNames(base, join(root, 'src', 'index.ts'));
  /** The files of a source's folder (its own first, index.ts left out) with their exports. */
  const siblingsOf = (file: string): Array<[string, string[]]> =>
    [file, ...sources.filter((f) => dirname(f) === dirname(file) && f !== file && basename(f) !== 'index.ts')].map((f) => [f, exportedNames(base, join(root, f))]);

  const modules: SnippetModule[] = snippets.map((snippet) => {
    const ext = snippet.source === 'markdown' && snippet.lang === 'js' ? '.mjs' : '.ts';
    const file = join(outDir, snippetFileName(snippet, ext));
    const text =
      snippet.source === 'markdown'
        ? snippet.code
        : tsdocModuleText(snippet, root, outDir, publicNames, siblingsOf(snippet.directive));
    writeFileSync(file, text);
    return { snippet, file, text };
  });
  const claimModules: SnippetModule[] = [];
  for (const snippet of snippets) {
    if (snippet.lang !== 'inline') continue;
    const text = claimModuleText(snippet, root, outDir, publicNames, siblingsOf(snippet.directive));
    if (text === undefined) continue;
    const file = join(outDir, snippetFileName(snippet, '.claims.ts'));
    writeFileSync(file, text);
    claimModules.push({ snippet, file, text });
  }
  const contextFile = join(outDir, 'context.d.ts');
  writeFileSync(contextFile, context);

  const all = [...modules, ...claimModules];
  const program = ts.createProgram([contextFile, ...all.map((m) => m.file)], options, host, base);
  const result = new Map<Snippet, string[]>();
  for (const m of all) {
    const source = program.getSourceFile(m.file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    result.set(m.snippet, [
      ...(result.get(m.snippet) ?? []),
      ...diagnostics.map((d) => {
        const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
        return `line ${line} of the generated module: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')} [${
          source.text.split('\n')[line - 1]?.trim() ?? ''
        }]`;
      }),
    ]);
  }
  return { diagnostics: result, claimModules };
}
