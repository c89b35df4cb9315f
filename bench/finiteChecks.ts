// Cost of the finite checks (setFiniteChecks): assertFinite alone on a 4 x 128 x 128 x 1 batch,
// against the isNaN / isInf counts it used before, and per transform call (image and mask) with
// the checks on and off, on cpu and wasm. Best of 3 rounds of 100 calls.
// Run: node --import tsx bench/finiteChecks.ts  (prints JSON)
import * as tf from '@tensorflow/tfjs-core';
import { brightness, flip } from '../src/augment/index.js';
import { useBackend } from '../src/backend/useBackend.js';
import { assertFinite, setFiniteChecks } from '../src/ops/assertFinite.js';

const CALLS = 100;

/** Milliseconds per call of `f`, best of 3 rounds after a warm-up. */
function msPerCall(f: () => void): number {
  for (let i = 0; i < 10; i++) f();
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) f();
    best = Math.min(best, (performance.now() - t0) / CALLS);
  }
  return Number(best.toFixed(3));
}

const results: Record<string, Record<string, number>> = {};
for (const backend of ['cpu', 'wasm'] as const) {
  await useBackend(backend);
  const image = tf.randomUniform([4, 128, 128, 1]);
  const mask = tf.cast(tf.greater(image, 0.5), 'float32');
  const counts = (): void => {
    const c = tf.tidy(() => tf.stack([tf.sum(tf.cast(tf.isNaN(image), 'int32')), tf.sum(tf.cast(tf.isInf(image), 'int32'))]));
    c.dataSync();
    c.dispose();
  };
  const row: Record<string, number> = {
    assertFinite: msPerCall(() => assertFinite('bench', 'x', image)),
    isNaNIsInfCounts: msPerCall(counts),
  };
  for (const [name, t] of [['flip', flip({ seed: 1 })], ['brightness', brightness({ seed: 1 })]] as const) {
    for (const on of [false, true]) {
      setFiniteChecks(on);
      row[`${name}${on ? 'Checked' : 'Unchecked'}`] = msPerCall(() => {
        const out = t({ image, mask });
        out.image.dataSync();
        tf.dispose([out.image, out.mask!]);
      });
    }
  }
  setFiniteChecks('auto');
  results[backend] = row;
  tf.dispose([image, mask]);
}
console.log(JSON.stringify({ shape: [4, 128, 128, 1], calls: CALLS, results }, null, 2));
