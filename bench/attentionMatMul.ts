// Window-attention products on wasm (issue 16): tfjs' BatchMatMul against unet-kit's SIMD one,
// on the shapes of SwinUNETR's first stage (96 windows of 343 positions, head width 16).
//   node --import tsx bench/attentionMatMul.ts
// Prints a Markdown table: CPU ms per product (this process, mean of 3 after one
// warm-up) and GFLOP/s, for each kernel, and the speed-up.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backend/index.js';
import { stockKernel } from '../src/kernels/index.js';
import { wasmBatchMatMul } from '../src/kernels/wasm/batchMatMul.js';
await useBackend('wasm');
const cpu = (f: () => void, reps = 3) => { f(); const c = process.cpuUsage(); for (let i = 0; i < reps; i++) f(); const u = process.cpuUsage(c); return (u.user + u.system) / 1000 / reps; };
const B = 96, n = 343, d = 16;
const q = tf.randomNormal([B, n, d]), k = tf.randomNormal([B, n, d]), p = tf.randomNormal([B, n, n]);
const macs = B * n * n * d;
const cases: [string, () => tf.Tensor][] = [
  ['q k^T   [96,343,16] x [96,343,16]^T', () => tf.matMul(q, k, false, true)],
  ['P v     [96,343,343] x [96,343,16]', () => tf.matMul(p, k)],
  ['P^T dO  [96,343,343]^T x [96,343,16]', () => tf.matMul(p, k, true, false)],
  ['dS k    (as P v)', () => tf.matMul(p, q)],
];
const stock = stockKernel('BatchMatMul', 'wasm')!;
console.log("| product | tfjs: CPU ms (GFLOP/s) | unet-kit: CPU ms (GFLOP/s) | speed-up |\n|---|---:|---:|---:|");
for (const [name, f] of cases) {
  const ms = {} as Record<string, number>;
  for (const which of ['tfjs', 'unet-kit']) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(which === 'tfjs' ? stock : { ...stock, kernelFunc: wasmBatchMatMul as tf.KernelFunc });
    ms[which] = cpu(() => { const t = f(); t.dataSync(); t.dispose(); });
  }
  console.log(`| ${name} | ${ms['tfjs']!.toFixed(0)} (${(2 * macs / ms['tfjs']! / 1e6).toFixed(2)}) | ${ms['unet-kit']!.toFixed(0)} (${(2 * macs / ms['unet-kit']! / 1e6).toFixed(2)}) | ${(ms['tfjs']! / ms['unet-kit']!).toFixed(1)}x |`);
}
