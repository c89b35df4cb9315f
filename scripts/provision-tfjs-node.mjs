#!/usr/bin/env node
// Provisions @tensorflow/tfjs-node for the `tensorflow` test suites and the bench on a machine
// that cannot download libtensorflow (an offline CI image), from the machine's local TensorFlow
// wheel. On a normal machine `npm install @tensorflow/tfjs-node` does all of this itself.
//
// Why it is not a devDependency: tfjs-node's install script downloads libtensorflow from a
// bucket, so `npm ci` would fail offline. Here it is installed with --ignore-scripts into
// .cache/tfjs-node/ (inside the checkout, so Node resolves its tfjs-core from the project's
// node_modules, and outside package-lock.json), its deps/lib points at libtensorflow_cc from
// the tensorflow-cpu wheel, and its addon is built with node-gyp against Debian's Node headers.
//
// Idempotent and cached: the wheel, the extracted libraries and the built addon live in
// $UNET_KIT_CACHE (default ~/.cache/unet-kit) and are reused by later checkouts. Where no wheel
// can be found it prints why and exits 0: the tensorflow suites then say they skipped.
//
// Usage: node scripts/provision-tfjs-node.mjs [--force]
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE, lastLine, localIndex, reporter, run, TENSORFLOW_VERSION } from './provisioning.mjs';

const TFJS_NODE_VERSION = '4.22.0';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = join(ROOT, '.cache', 'tfjs-node');
const PACKAGE_DIR = join(TARGET, 'node_modules', '@tensorflow', 'tfjs-node');
const LIBTF = join(CACHE, `libtensorflow-${TENSORFLOW_VERSION}`);
const ADDON_CACHE = join(CACHE, `tfjs-node-${TFJS_NODE_VERSION}-tf${TENSORFLOW_VERSION}-node${process.versions.modules}`);
const MARKER = join(TARGET, 'provisioned.json');
// Packages the project already has: tfjs-node must use the project's copies (one tfjs engine).
const SHARED = ['tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-webgl'];

const { log, skip } = reporter(
  'provision-tfjs-node',
  'The tensorflow suites will skip; on a machine with internet run `npm install @tensorflow/tfjs-node` instead.',
);

/** The tensorflow-cpu wheel: $UNET_KIT_TF_WHEEL, the cache, or a download from pip's local index. */
function findWheel() {
  const fromEnv = process.env.UNET_KIT_TF_WHEEL;
  if (fromEnv) {
    if (!existsSync(fromEnv)) skip(`UNET_KIT_TF_WHEEL is '${fromEnv}', which does not exist`);
    return fromEnv;
  }
  const wheels = join(CACHE, 'wheels');
  const cached = () =>
    existsSync(wheels) ? readdirSync(wheels).find((f) => f.startsWith(`tensorflow_cpu-${TENSORFLOW_VERSION}-`) && f.endsWith('.whl')) : undefined;
  if (cached()) return join(wheels, cached());
  const index = localIndex();
  if (!index) skip('no local Python package index (pip config global.extra-index-url with a file: URL) and no UNET_KIT_TF_WHEEL');
  mkdirSync(wheels, { recursive: true });
  log(`downloading tensorflow-cpu==${TENSORFLOW_VERSION} from ${index}`);
  try {
    run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--index-url', index, `tensorflow-cpu==${TENSORFLOW_VERSION}`, '-d', wheels], {
      timeout: 600_000,
    });
  } catch (error) {
    skip(`pip could not download tensorflow-cpu==${TENSORFLOW_VERSION} from ${index}: ${lastLine(error)}`);
  }
  if (!cached()) skip(`pip downloaded no tensorflow-cpu ${TENSORFLOW_VERSION} wheel for this Python`);
  return join(wheels, cached());
}

/** Extracts libtensorflow_cc, libtensorflow_framework and the C API headers from the wheel. */
function extractLibtensorflow(wheel) {
  if (existsSync(join(LIBTF, 'done'))) return;
  rmSync(LIBTF, { recursive: true, force: true });
  mkdirSync(LIBTF, { recursive: true });
  log(`extracting libtensorflow from ${wheel}`);
  const script = `
import sys, zipfile, os, shutil
wheel, out = sys.argv[1], sys.argv[2]
keep_lib = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
keep_inc = ('tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/ctstring',
            'tensorflow/include/tsl/', 'tensorflow/include/xla/tsl/c/')
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith('/'):
            continue
        if name in keep_lib:
            dest = os.path.join(out, 'lib', os.path.basename(name))
        elif name.startswith(keep_inc):
            dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst)
`;
  run('python3', ['-c', script, wheel, LIBTF], { timeout: 600_000 });
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    if (!existsSync(join(LIBTF, 'lib', lib))) skip(`the wheel ${wheel} has no tensorflow/${lib}`);
  }
  writeFileSync(join(LIBTF, 'done'), `${wheel}\n`);
}

/** Installs the package's JavaScript (no install script) into .cache/tfjs-node. */
function installPackage() {
  mkdirSync(TARGET, { recursive: true });
  writeFileSync(join(TARGET, 'package.json'), `${JSON.stringify({ name: 'unet-kit-tfjs-node-cache', private: true }, null, 2)}\n`);
  log(`installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (--ignore-scripts) into ${TARGET}`);
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`], {
    cwd: TARGET,
    timeout: 600_000,
  });
  for (const name of SHARED) rmSync(join(TARGET, 'node_modules', '@tensorflow', name), { recursive: true, force: true });
}

/** Points deps/lib at the wheel's libraries under every name the install script and addon use. */
function wireLibraries() {
  const lib = join(PACKAGE_DIR, 'deps', 'lib');
  rmSync(join(PACKAGE_DIR, 'deps'), { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  const links = {
    'libtensorflow.so.2.9.1': 'libtensorflow_cc.so.2',
    'libtensorflow.so': 'libtensorflow_cc.so.2',
    'libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
    'libtensorflow_framework.so.2.9.1': 'libtensorflow_framework.so.2',
    'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
    'libtensorflow_framework.so.2': 'libtensorflow_framework.so.2',
  };
  for (const [name, target] of Object.entries(links)) symlinkSync(join(LIBTF, 'lib', target), join(lib, name));
  cpSync(join(LIBTF, 'include'), join(PACKAGE_DIR, 'deps', 'include'), { recursive: true });
}

/** Builds lib/napi-v8/tfjs_binding.node, or reuses the one built earlier for this Node ABI. */
function buildAddon() {
  const binding = join(PACKAGE_DIR, 'lib', 'napi-v8', 'tfjs_binding.node');
  const cachedBinding = join(ADDON_CACHE, 'tfjs_binding.node');
  if (existsSync(cachedBinding)) {
    mkdirSync(dirname(binding), { recursive: true });
    cpSync(cachedBinding, binding);
    return;
  }
  const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node.h') ? '/usr' : undefined);
  log(`building the addon with node-gyp${nodedir ? ` (nodedir ${nodedir})` : ''}`);
  try {
    run('npm', ['rebuild', '@tensorflow/tfjs-node', '--foreground-scripts'], {
      cwd: TARGET,
      timeout: 900_000,
      env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
    });
  } catch (error) {
    skip(`building the tfjs-node addon failed (needs g++, make, python3 and Node headers): ${String(error.stderr ?? error).trim().split('\n').slice(-3).join(' | ')}`);
  }
  if (!existsSync(binding)) skip(`node-gyp produced no ${binding}`);
  mkdirSync(ADDON_CACHE, { recursive: true });
  cpSync(binding, cachedBinding);
}

/**
 * Loads the provisioned package in a child process and reads back the TensorFlow version; only
 * once the project's own tfjs-core is installed (before `npm ci` there is none to resolve).
 */
function verify() {
  if (!existsSync(join(ROOT, 'node_modules', '@tensorflow', 'tfjs-core'))) return { verified: false };
  const probe = `
    const tf = require(${JSON.stringify(PACKAGE_DIR)});
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const sum = tf.matMul(x, x).sum().dataSync()[0];
    console.log(JSON.stringify({ backend: tf.getBackend(), libtensorflow: tf.backend().binding.TF_Version, sum }));
  `;
  const out = run(process.execPath, ['-e', probe], { cwd: ROOT, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  const result = JSON.parse(out.trim().split('\n').pop());
  if (result.backend !== 'tensorflow' || result.sum !== 54) throw new Error(`provisioned tfjs-node does not work: ${out}`);
  return { verified: true, ...result };
}

const force = process.argv.includes('--force');
if (!force && existsSync(MARKER) && existsSync(join(PACKAGE_DIR, 'lib', 'napi-v8', 'tfjs_binding.node'))) {
  let marker = JSON.parse(readFileSync(MARKER, 'utf8'));
  // Provisioned before `npm ci` (as .ci/run does), so not checked then: check it now if tfjs-core is there.
  if (marker.verified === false) {
    const result = verify();
    if (result.verified) {
      marker = { ...marker, ...result };
      writeFileSync(MARKER, `${JSON.stringify(marker)}\n`);
    }
  }
  log(`already provisioned (${JSON.stringify(marker)})`);
  process.exit(0);
}
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`the wheel recipe is for linux-x64, this is ${process.platform}-${process.arch}`);
const wheel = findWheel();
extractLibtensorflow(wheel);
// From here the old copy is replaced; until then a failed look-up leaves a working one in place.
rmSync(MARKER, { force: true });
installPackage();
wireLibraries();
buildAddon();
const result = verify();
writeFileSync(MARKER, `${JSON.stringify({ tfjsNode: TFJS_NODE_VERSION, tensorflow: TENSORFLOW_VERSION, wheel, ...result })}\n`);
log(`ready: ${PACKAGE_DIR} (libtensorflow ${TENSORFLOW_VERSION} from ${wheel})`);
