// The built package as a consumer sees it: run after `npm run build` (the `test` script builds first).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { root, useConsumerProject } from './consumer.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  type: string;
  main: string;
  module: string;
  types: string;
  exports: Record<string, string | { import: { types: string; default: string }; require: { types: string; default: string } }>;
  sideEffects: string[];
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const SUBPATHS = ['blocks', 'models', 'losses', 'metrics', 'augment', 'data', 'compress', 'io', 'inference', 'explain', 'train', 'backend', 'layers'];
const SPECIFIERS = ['unet-kit', ...SUBPATHS.map((s) => `unet-kit/${s}`)];
/** Subpaths the root does not re-export: they need Node (the CLI reads and writes files). */
const NODE_ONLY = ['cli'];

const consumerDir = useConsumerProject('unet-kit-consumer-');

async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: consumerDir(), timeout: 90_000 });
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 1]!;
}

describe('package.json', () => {
  it('is an ES module package with the subpath exports map', () => {
    expect(pkg.name).toBe('unet-kit');
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', ...[...SUBPATHS, ...NODE_ONLY].map((s) => `./${s}`), './package.json'].sort());
  });

  it('points every export (import, require, types) and main/module/types at files that exist', () => {
    const files = [pkg.main, pkg.module, pkg.types];
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') {
        files.push(target);
        continue;
      }
      const base = subpath === '.' ? './dist/index' : `./dist/${subpath.slice(2)}/index`;
      expect(target.import).toEqual({ types: `${base}.d.ts`, default: `${base}.js` });
      expect(target.require).toEqual({ types: `${base}.d.cts`, default: `${base}.cjs` });
      files.push(target.import.types, target.import.default, target.require.types, target.require.default);
    }
    const missing = files.filter((f) => !existsSync(join(root, f)));
    expect(missing, 'export targets missing after the build').toEqual([]);
  });

  it('has tfjs-core and tfjs-layers ^4.22 as required peers and the backends as optional peers', () => {
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']) {
      expect(pkg.peerDependencies[name]).toMatch(/^\^4\.22/);
      expect(pkg.peerDependenciesMeta[name]?.optional ?? false).toBe(false);
    }
    for (const name of [
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
    ]) {
      expect(pkg.peerDependencies[name], name).toMatch(/^\^4\.22/);
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
  });

  it('lists only the class/kernel-registering modules (layers, kernels, the fake-quant conv) as side effects', () => {
    expect(Array.isArray(pkg.sideEffects)).toBe(true);
    expect(pkg.sideEffects.length).toBeGreaterThan(0);
    for (const entry of pkg.sideEffects) expect(entry).toMatch(/^\.\/(dist|src)\/((layers|kernels)\/|compress\/fakeQuantConv\.)/);
  });
});

describe('the built package in plain Node', () => {
  it('loads every entry point with import() (ESM) and require() (CJS), with the same exports', async () => {
    const esm = await node([
      '--input-type=module',
      '-e',
      `const out = {};
       for (const s of ${JSON.stringify(SPECIFIERS)}) out[s] = Object.keys(await import(s)).filter((k) => k !== 'default').sort();
       console.log(JSON.stringify(out));`,
    ]);
    const cjs = await node([
      '-e',
      `const out = {};
       for (const s of ${JSON.stringify(SPECIFIERS)}) out[s] = Object.keys(require(s)).filter((k) => k !== 'default' && k !== '__esModule').sort();
       console.log(JSON.stringify(out));`,
    ]);
    const esmExports = JSON.parse(esm) as Record<string, string[]>;
    const cjsExports = JSON.parse(cjs) as Record<string, string[]>;
    expect(Object.keys(esmExports)).toEqual(SPECIFIERS);
    expect(cjsExports).toEqual(esmExports);
    expect(esmExports['unet-kit']).toEqual(expect.arrayContaining(['UnetKitError', 'spatialLayers', 'useBackend', 'saveModel', 'GroupNormalization']));
    expect(esmExports['unet-kit/layers']).toEqual(expect.arrayContaining(['UpSampling3D', 'InstanceNormalization', 'GroupNormalization', 'GlobalAveragePooling3D']));
    // the root re-exports every subpath
    const rootNames = new Set(esmExports['unet-kit']);
    for (const s of SPECIFIERS) for (const name of esmExports[s]!) expect(rootNames.has(name), `${name} of ${s} in unet-kit`).toBe(true);
  });

  it('loads the Node-only unet-kit/cli from both formats: runCli runs a command and checks its call', async () => {
    const body = (load: string) => `
      const { runCli, MAIN_HELP } = ${load};
      const lines = [];
      const io = { log: (l) => lines.push(l), error: (l) => lines.push('E ' + l), progress: { write: () => true } };
      const help = await runCli(['evaluate', '--help'], io);
      const unknown = await runCli(['trian'], io);
      let thrown = '';
      try { await runCli('train', io); } catch (e) { thrown = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ help, unknown, first: lines[0].split(' ').slice(0, 3).join(' '), hint: lines[lines.length - 1], thrown, main: MAIN_HELP.startsWith('unet-kit:') }));`;
    const esm = await node(['--input-type=module', '-e', body("await import('unet-kit/cli')")]);
    const cjs = await node(['-e', `(async () => { ${body("require('unet-kit/cli')")} })().catch((e) => { console.error(e); process.exit(1); });`]);
    const expected = {
      help: 0,
      unknown: 2,
      first: 'usage: unet-kit evaluate',
      hint: "E unet-kit: unknown command 'trian'. Did you mean 'train'? Commands: train, predict, evaluate.",
      thrown: expect.stringMatching(/^UnetKitError: runCli: argv is 'train'.*an array of strings/),
      main: true,
    };
    expect(JSON.parse(esm)).toEqual(expected);
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it('works end to end from both formats: useBackend, the layer table, saveModel/loadModel in Node', async () => {
    const body = (load: string) => `
      const { useBackend, spatialLayers, saveModel, loadModel, UnetKitError } = ${load};
      const tf = ${load.replace(/'unet-kit'/, "'@tensorflow/tfjs-core'")};
      const tfl = ${load.replace(/'unet-kit'/, "'@tensorflow/tfjs-layers'")};
      const backend = await useBackend('auto');
      const L = spatialLayers(3);
      const input = tfl.input({ shape: [4, 4, 4, 1] });
      const output = L.upsample({ size: 2 }).apply(L.conv({ filters: 2, kernelSize: 3, seed: 1 }).apply(input));
      const model = tfl.model({ inputs: input, outputs: output });
      const dir = require('node:path').join(${JSON.stringify(tmpdir())}, 'unet-kit-pkg-' + process.pid);
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      const x = tf.ones([1, 4, 4, 4, 1]);
      const same = tf.all(tf.equal(model.predict(x), loaded.predict(x))).dataSync()[0] === 1;
      let rejected = false;
      try { spatialLayers(4); } catch (e) { rejected = e instanceof UnetKitError; }
      require('node:fs').rmSync(dir, { recursive: true });
      console.log(JSON.stringify({ backend, same, rejected }));`;
    const esm = await node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
       ${body("await import('unet-kit')")}`,
    ]);
    const cjs = await node(['-e', `(async () => { ${body("require('unet-kit')")} })().catch((e) => { console.error(e); process.exit(1); });`]);
    expect(JSON.parse(esm)).toEqual({ backend: 'wasm', same: true, rejected: true });
    expect(JSON.parse(cjs)).toEqual({ backend: 'wasm', same: true, rejected: true });
  });
});

describe('bundling for the browser', () => {
  async function bundle(contents: string) {
    const result = await build({
      stdin: { contents, resolveDir: consumerDir(), loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      external: ['@tensorflow/*'],
      metafile: true,
      logLevel: 'silent',
    });
    // files that contributed code to the output (metafile.inputs also lists files parsed then dropped)
    const contributing = Object.values(result.metafile.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, info]) => info.bytesInOutput > 0)
        .map(([file]) => file.replace(/^.*?dist\//, 'dist/')),
    );
    return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs), contributing };
  }

  it('tree-shakes: importing UnetKitError pulls no Node built-in, no backend package and little code', async () => {
    const { code, contributing } = await bundle("import { UnetKitError } from 'unet-kit'; console.log(new UnetKitError('f', 'x', 'is bad.'));");
    expect(code).not.toMatch(/node:fs|node:path|["']fs["']/);
    expect(code).not.toContain('tfjs-node');
    expect(code).not.toContain('tfjs-backend-');
    // The error class, plus at most the side-effect modules (layer registration, kernels).
    expect(contributing).toContain('dist/core/errors.js');
    const others = contributing.filter((f) => f !== '<stdin>' && f !== 'dist/core/errors.js');
    for (const file of others) expect(file).toMatch(/^dist\/(layers|kernels)\//);
    expect(code.length, `bundle of UnetKitError is ${code.length} bytes`).toBeLessThan(others.length === 0 ? 2_000 : 60_000);
  });

  it('bundles the whole library for the browser without resolving Node built-ins', async () => {
    const { code, inputs } = await bundle("import * as kit from 'unet-kit'; console.log(Object.keys(kit).length);");
    expect(inputs.some((f) => f.startsWith('node:'))).toBe(false);
    expect(code).not.toMatch(/\bfrom\s*["']node:|require\(["']node:|import\(["']node:/);
  });
});
