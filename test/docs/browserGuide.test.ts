// The browser guide's recipes as written: docs/guide/getting-started-browser.md's app, index.html,
// shell commands (less `npm install`: the consumer project links this repo's packages) and
// vite.config.js, built with esbuild and with Vite, served with the isolation headers and run in
// headless Chromium, where the app must train a step on threaded wasm. Prints the bundle sizes.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER } from '../helpers/chromium.js';
import { startStaticServer } from '../helpers/staticServer.js';
import { root, useConsumerProject } from '../package/consumer.js';

const run = promisify(execFile);
const guide = readFileSync(join(root, 'docs', 'guide', 'getting-started-browser.md'), 'utf8');

/** The first ```lang block after `heading`. */
function block(heading: string, lang: string): string {
  const at = guide.indexOf(heading);
  if (at < 0) throw new Error(`docs/guide/getting-started-browser.md has no "${heading}"`);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(guide.slice(at));
  if (match === null) throw new Error(`no \`\`\`${lang} block after "${heading}"`);
  return match[1]!;
}

/** A shell block without its `npm install` command (and that command's continuation lines). */
function withoutInstall(script: string): string {
  return script.replace(/^npm install(?:[^\n]*\\\n)*[^\n]*\n/m, '');
}

/** Resolves once `url` answers (serve.mjs listening), or throws after 20 s. */
async function waitForServer(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`serve.mjs did not answer at ${url}: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function folderBytes(dir: string, ext: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(ext)) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const consumerDir = useConsumerProject('unet-kit-browser-guide-');

describe.skipIf(SKIP_BROWSER)('the browser guide, built as written and run in headless Chromium', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    const dir = consumerDir();
    // The tools the recipes run, from this repo's node_modules (npx finds them in .bin).
    await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
    for (const tool of ['esbuild', 'vite']) {
      await symlink(join(root, 'node_modules', tool), join(dir, 'node_modules', tool), 'dir');
      await symlink(join(root, 'node_modules', '.bin', tool), join(dir, 'node_modules', '.bin', tool));
    }
    await writeFile(join(dir, 'main.js'), block('## The app', 'js'));
    await writeFile(join(dir, 'index.html'), block('## The app', 'html'));
    ({ browser } = await launchChromium());
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Serves `folder` with the isolation headers (or visits `origin`, a server already started) and reads the app's line. */
  async function runApp(folder: string, origin?: string): Promise<{ text: string; console: string[] }> {
    const server = origin === undefined ? await startStaticServer({ directory: folder, isolated: true }) : { origin, close: async () => {} };
    const page = await browser!.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    try {
      await page.goto(server.origin);
      await page.waitForFunction(() => document.body.textContent?.startsWith('backend:') === true, undefined, { timeout: 90_000 }).catch(() => {
        throw new Error(`the app printed nothing; console: ${messages.join(' | ')}`);
      });
      return { text: (await page.textContent('body')) ?? '', console: messages };
    } finally {
      await page.close();
      await server.close();
    }
  }

  it('esbuild: the commands build public/, serve.mjs serves it, and the page trains a step on threaded wasm with no console message', async () => {
    const dir = consumerDir();
    await run('bash', ['-euo', 'pipefail', '-c', withoutInstall(block('## With esbuild', 'sh'))], { cwd: dir, timeout: 120_000 });
    await writeFile(join(dir, 'serve.mjs'), block('## With esbuild', 'js'));
    const server = spawn(process.execPath, ['serve.mjs'], { cwd: dir, stdio: 'ignore' });
    let result: { text: string; console: string[] };
    try {
      await waitForServer('http://localhost:8080/');
      result = await runApp(join(dir, 'public'), 'http://localhost:8080');
    } finally {
      server.kill();
    }
    const { text, console: messages } = result;
    console.log(`browser guide, esbuild: ${text}; main.js ${(await stat(join(dir, 'public', 'main.js'))).size} bytes`);
    expect(messages).toEqual([]);
    expect(text).toMatch(/^backend: wasm, loss: \d+\.\d{4}, threads: true$/);
  });

  it('Vite: vite.config.js and `npx vite build` give a dist/ that runs the same way', async () => {
    const dir = join(consumerDir(), 'vite-app');
    await mkdir(dir);
    for (const name of ['main.js', 'index.html']) await writeFile(join(dir, name), readFileSync(join(consumerDir(), name)));
    await symlink(join(consumerDir(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    await run('bash', ['-euo', 'pipefail', '-c', withoutInstall(block('## With Vite', 'sh'))], { cwd: dir, timeout: 60_000 });
    await writeFile(join(dir, 'vite.config.js'), block('## With Vite', 'js'));
    await run('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: dir, timeout: 240_000 });
    const { text, console: messages } = await runApp(join(dir, 'dist'));
    console.log(`browser guide, Vite: ${text}; dist/**/*.js ${await folderBytes(join(dir, 'dist'), '.js')} bytes`);
    expect(messages).toEqual([]);
    expect(text).toMatch(/^backend: wasm, loss: \d+\.\d{4}, threads: true$/);
  });
});
