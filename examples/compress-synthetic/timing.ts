// wasm inference time of the synthetic-task U-Net before and after pruneFilters (50%), the two
// models timed in alternation so a loaded machine slows both alike:
//   node --import tsx examples/compress-synthetic/timing.ts [--rounds 15]
// Prints the fastest and the median of `rounds` predictions of one image at 64x64 and 256x256.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from 'unet-kit/backend';
import { pruneFilters } from 'unet-kit/compress';
import { baseModel } from './task.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const backend = await useBackend('wasm');
const { model } = await baseModel('out/compress-synthetic/base', 15);
const { model: small } = await pruneFilters(model, { ratio: 0.5 });
const once = (m: tfl.LayersModel, x: tf.Tensor): number => {
  const start = performance.now();
  tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
  return performance.now() - start;
};
const rows: Array<Record<string, unknown>> = [];
for (const size of [64, 256]) {
  const x = tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 1);
  once(model, x);
  once(small, x);
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < Number(values.rounds); r++) {
    times[0].push(once(model, x));
    times[1].push(once(small, x));
  }
  x.dispose();
  const stat = (t: number[]) => {
    const sorted = [...t].sort((a, b) => a - b);
    return `${sorted[0]!.toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)}`;
  };
  rows.push({ size: `${size}x${size}`, 'original ms (min / median)': stat(times[0]), 'pruned 50% ms (min / median)': stat(times[1]) });
}
console.log(`backend ${backend}; ${values.rounds} alternating rounds`);
console.table(rows);
