#!/usr/bin/env node
// Provisions a Python virtual environment with Keras 3, TensorFlow and h5py for the Keras round
// trip suites (test/io/kerasRoundTrip.test.ts and the valid-padding U-Net's), from the machine's
// local Python package index, so CI runs them instead of skipping. A user runs
// scripts/keras_roundtrip.py with any Python that has `pip install keras tensorflow h5py`.
//
// Idempotent and cached: the venv lives in $UNET_KIT_CACHE/keras-venv (default
// ~/.cache/unet-kit) and is reused once it imports keras, h5py, numpy and tensorflow. The tests
// find it there (UNET_KIT_PYTHON overrides). Where there is no local index it prints why and
// exits 0: the suites then say they skipped.
//
// Usage: node scripts/provision-keras.mjs [--force]
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, lastLine, localIndex, pipConfig, reporter, run, TENSORFLOW_VERSION } from './provisioning.mjs';

const VENV = join(CACHE, 'keras-venv');
const PYTHON = join(VENV, 'bin', 'python');
const PROBE = 'import keras, h5py, numpy, tensorflow';

const { log, skip } = reporter('provision-keras', 'The Keras round trip suites will skip.');

function works() {
  try {
    run(PYTHON, ['-c', PROBE], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 180_000 });
    return true;
  } catch {
    return false;
  }
}

if (process.argv.includes('--force')) rmSync(VENV, { recursive: true, force: true });
if (existsSync(PYTHON) && works()) {
  log(`ready: ${PYTHON}`);
  process.exit(0);
}

const index = localIndex();
if (!index) skip('no local Python package index (pip config global.extra-index-url with a file: URL)');
const findLinks = pipConfig('global.find-links').split(/\s+/).filter(Boolean);
// The tensorflow-cpu wheel provision-tfjs-node.mjs cached, if it did: no second copy to fetch.
const wheels = join(CACHE, 'wheels');
if (existsSync(wheels)) findLinks.push(wheels);

rmSync(VENV, { recursive: true, force: true });
try {
  run('python3', ['-m', 'venv', VENV]);
} catch (error) {
  skip(`python3 -m venv failed: ${lastLine(error)}`);
}
const started = Date.now();
try {
  run(
    join(VENV, 'bin', 'pip'),
    ['install', '--quiet', '--index-url', index, ...findLinks.flatMap((l) => ['--find-links', l]), 'keras', 'h5py', 'numpy', `tensorflow-cpu==${TENSORFLOW_VERSION}`],
    { timeout: 900_000 },
  );
} catch (error) {
  rmSync(VENV, { recursive: true, force: true });
  skip(`pip could not install keras, h5py and tensorflow-cpu==${TENSORFLOW_VERSION} from ${index}: ${lastLine(error)}`);
}
if (!works()) {
  rmSync(VENV, { recursive: true, force: true });
  skip(`the new venv cannot run \`${PROBE}\``);
}
log(`ready: ${PYTHON} (installed in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
