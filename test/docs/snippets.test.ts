// Every code block a user reads is tested as written: the README's and the guides' fenced blocks
// and every TSDoc `@example` in src/ (see snippets/extract.ts for how they are found).
// - `ts` blocks and TSDoc examples are type-checked with the project's strict options; examples
//   see their module's scope and the reader's data of snippets/context.ts.
// - Inline TSDoc claims (`` `f(1)` is `2` ``, `` `g()` throws ``) are evaluated and compared.
// - `js` blocks run in Node from a consumer project, unless an `<!-- snippet: run by <test> -->`
//   comment names the test that runs them (the browser guide's, the README quick start's).
// - `sh` blocks: the README's CLI walk-through runs; every other command line is checked against
//   what it names (npm scripts, files, packages), since installing or recursing into npm test
//   cannot run inside npm test.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { root, useConsumerProject } from '../package/consumer.js';
import { SNIPPET_CONTEXT } from './snippets/context.js';
import { markdownFiles, markdownSnippets, tsdocSnippets, type Snippet } from './snippets/extract.js';
import { typecheckSnippets, type TypecheckResult } from './snippets/typecheck.js';

const run = promisify(execFile);
const markdown = markdownFiles(root).flatMap((file) => markdownSnippets(root, file));
const tsdoc = tsdocSnippets(root);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The test file an `<!-- snippet: run by test/... -->` directive names, or undefined. */
function runBy(snippet: Snippet): string | undefined {
  return /^run by (\S+)$/.exec(snippet.directive)?.[1];
}

/** Deep equality with a relative tolerance for numbers (float32 results against decimal text). */
function close(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return actual === expected || Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
  }
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.length === expected.length && actual.every((a, i) => close(a, expected[i]));
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => close((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]));
  }
  return Object.is(actual, expected);
}

describe('the blocks found', () => {
  it('covers the README, every guide and the TSDoc of src/, each fence naming its language', () => {
    expect(markdown.filter((s) => s.where.startsWith('README.md')).length).toBeGreaterThan(15);
    expect(new Set(markdown.map((s) => s.where.split(':')[0])).size).toBe(markdownFiles(root).length - emptyGuides().length);
    expect(tsdoc.length).toBeGreaterThan(250);
    const unnamed = markdown.filter((s) => s.lang === '').map((s) => s.where);
    expect(unnamed, 'fences without a language (use `text` for output)').toEqual([]);
    const tsdocLangs = new Set(tsdoc.map((s) => s.lang));
    expect([...tsdocLangs].sort()).toEqual(['inline', 'ts']);
  });
});

/** Guide pages without any code block. */
function emptyGuides(): string[] {
  return markdownFiles(root).filter((file) => markdownSnippets(root, file).length === 0);
}

describe('TypeScript blocks and TSDoc examples', () => {
  let result: TypecheckResult;
  beforeAll(async () => {
    await useBackend('cpu');
    const typed = [...markdown.filter((s) => s.lang === 'ts'), ...tsdoc];
    result = typecheckSnippets(root, join(root, 'out', 'snippets'), typed, SNIPPET_CONTEXT);
  }, 300_000);

  it('type-check as written, each in its context', () => {
    const failures = [...result.diagnostics].filter(([, d]) => d.length > 0).map(([s, d]) => `${s.where}\n  ${d.join('\n  ')}`);
    expect(result.diagnostics.size).toBe(markdown.filter((s) => s.lang === 'ts').length + tsdoc.length);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('inline claims hold: `f(x)` is `value`, `g(x)` throws a UnetKitError', async () => {
    expect(result.claimModules.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    let checked = 0;
    for (const m of result.claimModules) {
      const { claims } = (await import(m.file)) as {
        claims: Array<{ code: string; actual: () => Promise<unknown>; expected?: string; value?: () => unknown }>;
      };
      for (const claim of claims) {
        checked++;
        tf.engine().startScope();
        try {
          if (claim.value === undefined) {
            const error = await claim.actual().then(
              () => undefined,
              (e: unknown) => e,
            );
            if (!(error instanceof UnetKitError)) wrong.push(`${m.snippet.where}: \`${claim.code}\` did not throw a UnetKitError (${String(error)})`);
          } else {
            let actual = await claim.actual();
            if (actual instanceof tf.Tensor) actual = actual.arraySync();
            const expected = claim.value();
            if (!close(actual, expected)) wrong.push(`${m.snippet.where}: \`${claim.code}\` is ${JSON.stringify(actual)}, not \`${claim.expected}\``);
          }
        } catch (e) {
          wrong.push(`${m.snippet.where}: \`${claim.code}\` failed: ${String(e)}`);
        } finally {
          tf.engine().endScope();
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(wrong, wrong.join('\n')).toEqual([]);
  });
});

describe('JavaScript blocks', () => {
  const consumerDir = useConsumerProject('unet-kit-snippets-');
  const js = markdown.filter((s) => s.lang === 'js');

  it('each names the test that runs it, or runs here', () => {
    for (const s of js.filter(runBy)) {
      const test = runBy(s)!;
      expect(existsSync(join(root, test)), `${s.where}: ${test} does not exist`).toBe(true);
      expect(readFileSync(join(root, test), 'utf8'), `${s.where}: ${test} does not read ${s.where.split(':')[0]}`).toContain(s.where.split(':')[0]!.split('/').pop()!);
    }
    expect(js.filter((s) => runBy(s) === undefined).length).toBeGreaterThan(0);
  });

  for (const s of js.filter((b) => runBy(b) === undefined)) {
    it(`${s.where} runs in Node as written`, async () => {
      const file = join(consumerDir(), `${s.where.replace(/[/:.]/g, '_')}.mjs`);
      await writeFile(file, s.code);
      const { stderr } = await run(process.execPath, [file], { cwd: consumerDir(), timeout: 240_000 });
      expect(stderr).not.toMatch(/Error/);
    });
  }
});

describe('shell blocks', () => {
  const consumerDir = useConsumerProject('unet-kit-shell-');
  const sh = markdown.filter((s) => s.lang === 'sh');
  const packages = new Set(['unet-kit', ...Object.keys(pkg.peerDependencies), ...Object.keys(pkg.devDependencies), ...Object.keys(pkg.dependencies ?? {})]);

  /** Command lines of a block: continuations joined, comments dropped. */
  const commands = (code: string) =>
    code
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .flatMap((l) => l.split('&&').map((c) => c.trim()));

  it('name only npm scripts, files and packages that exist', () => {
    const problems: string[] = [];
    for (const s of sh) {
      for (const command of commands(s.code)) {
        const words = command.split(/\s+/);
        if (words[0] === 'npm' && words[1] === 'run' && !(words[2]! in pkg.scripts)) problems.push(`${s.where}: no npm script '${words[2]}'`);
        if (words[0] === 'npm' && words[1] === 'install') {
          // A package of ours, or a tool a recipe installs (esbuild, vite) that the repo has too.
          for (const name of words.slice(2).filter((w) => !w.startsWith('-'))) {
            if (!packages.has(name) && !existsSync(join(root, 'node_modules', name, 'package.json'))) problems.push(`${s.where}: no package ${name}`);
          }
        }
        if (words[0] === 'node') {
          // The script after Node's flags (`--import tsx` takes a value); a path into the installed package is this checkout.
          let i = 1;
          while (words[i]?.startsWith('-')) i += words[i] === '--import' ? 2 : 1;
          const script = (words[i] ?? '').replace(/^node_modules\/unet-kit\//, '');
          if (!existsSync(join(root, script))) problems.push(`${s.where}: ${words[i]} does not exist`);
        }
        if (words[0] === 'cp' && /^(test|examples)\//.test(words[1]!) && !existsSync(join(root, words[1]!))) problems.push(`${s.where}: ${words[1]} does not exist`);
        if (words[0] === 'npx' && words[1] === 'unet-kit' && !['train', 'predict', 'evaluate', '--help'].includes(words[2]!)) problems.push(`${s.where}: no command '${words[2]}'`);
      }
      expect(commands(s.code).length, `${s.where} holds no command`).toBeGreaterThan(0);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  const walkThrough = sh.find((s) => s.where.startsWith('README.md') && s.code.includes('npx unet-kit train'));

  it('the README has the CLI walk-through', () => {
    expect(walkThrough).toBeDefined();
  });

  it.skipIf(walkThrough === undefined)('the README CLI walk-through runs as written on the bundled brain volume', async () => {
    const dir = consumerDir();
    await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
    for (const [name, target] of Object.entries(pkg.bin)) await symlink(join('..', 'unet-kit', target), join(dir, 'node_modules', '.bin', name));
    await symlink(join(root, 'examples'), join(dir, 'examples'), 'dir');
    const env = { ...process.env, PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
    const start = Date.now();
    await run('bash', ['-euo', 'pipefail', '-c', walkThrough!.code], { cwd: dir, env, timeout: 600_000, maxBuffer: 1 << 26 });
    console.log(`README CLI walk-through: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    const scores = JSON.parse(readFileSync(join(dir, 'out', 'brain', 'scores.json'), 'utf8')) as unknown;
    expect(JSON.stringify(scores)).toMatch(/dice/i);
    expect(existsSync(join(dir, 'out', 'brain', 'run', 'report.html'))).toBe(true);
  }, 600_000);
});
