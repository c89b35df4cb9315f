// SwinUNETR speed (issue 16): one forward and one train step of a 3D `swinUNETR` (MONAI's
// defaults: depths [2, 2, 2, 2], heads [3, 6, 12, 24], window 7, instance norm) on wasm, with a
// per-kernel profile of each, to see whether attention is the bottleneck.
//
//   node --import tsx bench/swinUNETRSpeed.ts                                  # 2 x 96^3, feature size 48
//   node --import tsx bench/swinUNETRSpeed.ts --size 32 --feature 12 --no-forward
//   node --import tsx bench/swinUNETRSpeed.ts --attention-chunk 0   # one-shot attention (default: chunks of 2^22 scores)
//   node --import tsx bench/swinUNETRSpeed.ts --stock-batch-matmul  # tfjs' scalar BatchMatMul instead of unet-kit's SIMD one
//
// Both runs are single measurements (a 96^3 step takes minutes on one wasm thread; warming up
// would double that). The train step is `tf.variableGrads` of a mean squared error inside
// `tf.profile` (the forward too), so the times include the profiler's bookkeeping (one timer per kernel).
// Kernels are grouped: `attention` are the batched matmuls of rank > 2 (q k^T and weights x v),
// Softmax and the gradient's extra element-wise work is reported as it comes (Mul/Sub/Sum...);
// `linear` are the rank-2 matmuls (qkv, projection, MLP). Wall and CPU time (this process,
// user + system) are both reported. Prints one JSON document.
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { stockKernel } from '../src/kernels/index.js';
import { setAttentionChunkScores } from '../src/layers/chunkedAttention.js';
import { swinUNETR } from '../src/models/index.js';
import { loadTensorflowBackend } from '../test/helpers/tensorflowBackend.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const size = Number(flag('--size') ?? 96);
const batch = Number(flag('--batch') ?? 2);
const featureSize = Number(flag('--feature') ?? 48);
const numClasses = Number(flag('--classes') ?? 14);
const backendName = (flag('--backend') ?? 'wasm') as BackendName;
const chunk = flag('--attention-chunk');
const doForward = !argv.includes('--no-forward');
const doTrain = !argv.includes('--no-train');

const round = (x: number, digits = 1): number => +x.toFixed(digits);
// This process' CPU time (user + system) since `since`: on a shared machine the steadier figure for one wasm thread.
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
};
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
// tfjs-node installed or provisioned (scripts/provision-tfjs-node.mjs) is registered before useBackend looks for it.
if (backendName === 'tensorflow') loadTensorflowBackend();
const backend = await useBackend(backendName);
tf.enableProdMode();
if (chunk !== undefined) setAttentionChunkScores(Number(chunk));
// --stock-batch-matmul: tfjs' own BatchMatMul instead of unet-kit's SIMD one (for before/after).
const stockMatMul = argv.includes('--stock-batch-matmul');
if (stockMatMul) {
  const config = stockKernel(tf.BatchMatMul, backend)!;
  tf.unregisterKernel(tf.BatchMatMul, backend);
  tf.registerKernel(config);
}

/** Per-kernel totals of a profile, and the shares of the attention-related groups. */
async function summarize(profile: Awaited<ReturnType<typeof tf.profile>>, pass: string): Promise<Record<string, unknown>> {
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const groups = { attentionMatMul: 0, linearMatMul: 0, softmax: 0, transpose: 0, conv: 0, all: 0 };
  for (const k of profile.kernels) {
    // A customGrad op is profiled as a scope around the kernels it runs: counted once, through them.
    if (k.name === 'unnamed scope') continue;
    const ms = (await k.kernelTimeMs) as number;
    const rank = k.inputShapes[0]?.length ?? 0;
    const name = k.name === 'BatchMatMul' || k.name === '_FusedMatMul' ? `${k.name}${rank > 3 ? ' (attention)' : ' (linear)'}` : k.name;
    const entry = byKernel.get(name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(name, entry);
    groups.all += ms;
    if (name.endsWith('(attention)')) groups.attentionMatMul += ms;
    else if (name.endsWith('(linear)')) groups.linearMatMul += ms;
    else if (k.name === 'Softmax') groups.softmax += ms;
    else if (k.name === 'Transpose') groups.transpose += ms;
    else if (k.name.startsWith('Conv')) groups.conv += ms;
  }
  return {
    [`${pass}PeakMiB`]: mb(profile.peakBytes),
    [`${pass}ProfileKernelMs`]: Math.round(groups.all),
    [`${pass}ProfileShares`]: Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, round((100 * v) / groups.all)])),
    [`${pass}Profile`]: Object.fromEntries(
      [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20).map(([k, v]) => [k, { ms: Math.round(v.ms), calls: v.calls, pct: round((100 * v.ms) / groups.all) }]),
    ),
  };
}

const result: Record<string, unknown> = { bench: 'swinUNETRSpeed', backend, input: [batch, size, size, size, 1], featureSize, numClasses, attentionChunk: chunk ?? 'default', batchMatMul: stockMatMul ? 'tfjs' : 'unet-kit' };
const load: number[][] = [loadavg().map((x) => round(x, 2))];
const model = swinUNETR({ inputShape: [size, size, size, 1], numClasses, featureSize, finalActivation: 'none', seed: 0 });
result.parameters = model.countParams();
const x = tf.randomNormal([batch, size, size, size, 1], 0, 1, 'float32', 1);
const y = tf.randomNormal([batch, size, size, size, numClasses], 0, 1, 'float32', 2);
const heap = (): number | null => {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8 === undefined ? null : mb(wasm.HEAPU8.byteLength);
};

const started = performance.now();
try {
  if (doForward) {
    const t = performance.now();
    const c = process.cpuUsage();
    const profile = await tf.profile(async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    });
    result.forwardMs = Math.round(performance.now() - t);
    result.forwardCpuMs = cpuMs(c);
    result.heapAfterForwardMiB = heap();
    Object.assign(result, await summarize(profile, 'forward'));
    // On stderr as soon as known: a train step cut short by a time limit still leaves the forward figure.
    process.stderr.write(`swinUNETRSpeed: forward ${String(result.forwardMs)} ms wall, ${String(result.forwardCpuMs)} ms CPU, heap ${String(result.heapAfterForwardMiB)} MiB, maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
  }
  if (doTrain) {
    const t = performance.now();
    const c = process.cpuUsage();
    const profile = await tf.profile(async () => {
      const loss = tf.tidy(() => {
        const f = () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
        const { value, grads } = tf.variableGrads(f);
        tf.dispose(grads);
        return value;
      });
      await loss.data();
      loss.dispose();
    });
    result.trainStepMs = Math.round(performance.now() - t);
    result.trainStepCpuMs = cpuMs(c);
    result.heapAfterTrainMiB = heap();
    Object.assign(result, await summarize(profile, 'train'));
  }
} catch (e) {
  result.error = String((e as Error).message ?? e).slice(0, 300);
  result.heapAtErrorMiB = heap();
  result.msAtError = Math.round(performance.now() - started);
}
load.push(loadavg().map((v) => round(v, 2)));
result.loadAverage = { before: load[0], after: load[1] };
result.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
tf.dispose([x, y]);
model.dispose();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
