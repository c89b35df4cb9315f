// One bench configuration in its own process (so stock and replaced kernels never mix):
//   node --import tsx bench/case.ts '{"backend":"wasm","kernels":true,"net":"2d","reps":3,"train":true,"profile":false}'
// Prints one JSON line.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { startWasmWithThreads, wasmThreads } from '../src/backend/wasmThreads.js';
import { installKernels } from '../src/kernels/index.js';
import { dataParallelTrainer } from '../src/train/dataParallel/trainer.js';
import { benchBatch } from './benchNet.js';
import { BENCH_NETS, benchUNet, parameterCount } from './nets.js';
import { loadTensorflowBackend } from '../test/helpers/tensorflowBackend.js';

interface CaseArgs {
  backend: 'cpu' | 'wasm' | 'tensorflow';
  kernels: boolean;
  net: '2d' | '3d';
  reps: number;
  forward: boolean;
  train: boolean;
  profile: boolean;
  /** Worker threads of a dataParallelTrainer (train step and forward split across them); 0: off. */
  dataParallel?: number;
  /** wasm only: XNNPACK threads (tfjs' threaded-SIMD binary, started by unet-kit in Node); 1: tfjs' own. */
  threads?: number;
}


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Wall time and this process' CPU time (user + system): on a machine shared with other jobs the
// CPU time of a single-threaded backend is the steadier figure.
async function timeIt(reps: number, f: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await f();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu) };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as CaseArgs;
  tf.env().set('IS_TEST', false);
  tf.enableProdMode();
  // tfjs-node from `npm install @tensorflow/tfjs-node` or scripts/provision-tfjs-node.mjs.
  if (args.backend === 'tensorflow') loadTensorflowBackend();
  if (args.backend === 'wasm' && (args.threads ?? 1) > 1) await startWasmWithThreads(args.threads!);
  else await tf.setBackend(args.backend);
  await tf.ready();
  if (args.kernels) installKernels(args.backend);
  const spec = BENCH_NETS[args.net];
  const model = benchUNet(spec.spatialDims, spec.size, spec.filters);
  const { shape, x, y, flops } = benchBatch(tf, model, spec);
  const result: Record<string, unknown> = {
    net: args.net,
    backend: args.backend,
    kernels: args.kernels,
    input: shape,
    params: parameterCount(model),
    forwardGflop: +(flops / 1e9).toFixed(3),
    ...(args.backend === 'wasm' ? { threads: wasmThreads() } : {}),
  };
  if ((args.dataParallel ?? 0) > 0) {
    await dataParallelCase(args, model, x, y, flops, result);
    tf.dispose([x, y]);
    result.peakRssMb = peakRssMb();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (args.forward) {
    const fwd = await timeIt(args.reps, async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    });
    result.forwardMs = +fwd.ms.toFixed(1);
    result.forwardCpuMs = +fwd.cpuMs.toFixed(1);
    result.forwardGflops = +(flops / Math.min(fwd.ms, fwd.cpuMs) / 1e6).toFixed(2);
  }
  if (args.train) {
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    try {
      const step = await timeIt(args.reps, async () => {
        await model.trainOnBatch(x, y);
      });
      result.trainStepMs = +step.ms.toFixed(1);
      result.trainStepCpuMs = +step.cpuMs.toFixed(1);
      // forward + input gradient + filter gradient: about 3x the forward multiply-adds.
      result.trainGflops = +((3 * flops) / Math.min(step.ms, step.cpuMs) / 1e6).toFixed(2);
    } catch (e) {
      result.trainStepMs = null;
      result.trainError = String((e as Error).message ?? e).slice(0, 160);
    }
  }
  if (args.profile) {
    const profile = await tf.profile(async () => {
      const r = tf.tidy(() => {
        const f = () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
        const { value, grads } = tf.variableGrads(f);
        tf.dispose(grads);
        return value;
      });
      await r.data();
      r.dispose();
    });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of profile.kernels) {
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += (await k.kernelTimeMs) as number;
      entry.calls += 1;
      byKernel.set(k.name, entry);
    }
    result.profileTotalMs = +[...byKernel.values()].reduce((a, v) => a + v.ms, 0).toFixed(1);
    result.profileKernelCalls = profile.kernels.length;
    result.profile = Object.fromEntries(
      [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20).map(([k, v]) => [k, { ms: +v.ms.toFixed(1), calls: v.calls }]),
    );
  }
  tf.dispose([x, y]);
  result.peakRssMb = peakRssMb();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** This process' resident-set high-water mark (all threads), MiB. */
function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

// Train step and forward through dataParallelTrainer: the batch is split across worker threads,
// each with its own wasm backend; this process' CPU time is meaningless here (wall time only).
async function dataParallelCase(
  args: CaseArgs,
  model: ReturnType<typeof benchUNet>,
  x: tf.Tensor,
  y: tf.Tensor,
  flops: number,
  result: Record<string, unknown>,
): Promise<void> {
  const started = performance.now();
  const trainer = await dataParallelTrainer(model, {
    workers: args.dataParallel,
    backend: args.backend === 'tensorflow' ? 'wasm' : args.backend,
    loss: 'meanSquaredError',
    optimizer: tf.train.adam(1e-3),
  });
  result.dataParallelWorkers = args.dataParallel;
  result.workerStartMs = +(performance.now() - started).toFixed(0);
  try {
    if (args.forward) {
      const fwd = await timeIt(args.reps, async () => {
        (await trainer.predict(x)).dispose();
      });
      result.forwardMs = +fwd.ms.toFixed(1);
      result.forwardGflops = +(flops / fwd.ms / 1e6).toFixed(2);
    }
    if (args.train) {
      const step = await timeIt(args.reps, async () => {
        await trainer.trainOnBatch(x, y);
      });
      result.trainStepMs = +step.ms.toFixed(1);
      result.trainGflops = +((3 * flops) / step.ms / 1e6).toFixed(2);
    }
  } finally {
    await trainer.dispose();
  }
}

await main();
