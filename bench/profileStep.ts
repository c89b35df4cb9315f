// Where the bench U-Net's train step spends its time, per kernel and per kind of work, on one
// backend (default tensorflow), and the forward pass before and after optimizeForInference:
//   node --import tsx bench/profileStep.ts '{"backend":"tensorflow","reps":5}'
//   node --import tsx bench/profileStep.ts '{"backend":"tensorflow","stock":["FusedConv2D"]}'  # A/B: stock kernels back
//   node --import tsx bench/profileStep.ts '{"backend":"tensorflow","net":"3d"}'  # the 3D bench U-Net, 2x64^3
//   node --import tsx bench/profileStep.ts '{"backend":"wasm","threads":2,"reps":1}'          # threaded wasm
// Prints one JSON line. The profile runs the gradient (forward + backward, training mode) and the
// Adam step separately, so the optimizer's elementwise ops are told apart from the gradients'.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { startWasmWithThreads, wasmThreads } from '../src/backend/wasmThreads.js';
import { installKernels, stockKernel } from '../src/kernels/index.js';
import { optimizeForInference } from '../src/train/optimizeForInference.js';
import { benchUNet } from './nets.js';
import { loadTensorflowBackend } from '../test/helpers/tensorflowBackend.js';

interface Args {
  backend?: 'cpu' | 'wasm' | 'tensorflow';
  reps?: number;
  /** Kernels to put back to tfjs' stock ones after installKernels (A/B of one replacement). */
  stock?: string[];
  /** false: forward passes only (wasm's train step takes seconds). Default true. */
  train?: boolean;
  /** The bench net: '2d' (16..256, 4x128x128x1, default) or '3d' (8..64, 2x64^3x1), as bench/run.ts. */
  net?: '2d' | '3d';
  /** wasm only: XNNPACK threads (tfjs' threaded-SIMD binary, started by unet-kit in Node). Default 1. */
  threads?: number;
}

/** The kind of work each kernel does in this net. */
const GROUPS: Record<string, string> = {
  Conv2D: 'conv forward',
  FusedConv2D: 'conv forward',
  Conv2DBackpropInput: 'conv input gradient (and transposed-conv forward)',
  Conv2DBackpropFilter: 'conv filter gradient',
  Conv3D: 'conv forward',
  Conv3DBackpropInputV2: 'conv input gradient (and transposed-conv forward)',
  Conv3DBackpropFilterV2: 'conv filter gradient',
  UnetKitBatchNormTraining: 'batch norm forward',
  UnetKitBatchNormTrainingGrad: 'batch norm backward',
  Relu: 'ReLU and its gradient mask',
  Step: 'ReLU and its gradient mask',
  MaxPool: 'pooling, concat, split',
  MaxPoolGrad: 'pooling, concat, split',
  MaxPool3D: 'pooling, concat, split',
  MaxPool3DGrad: 'pooling, concat, split',
  Concat: 'pooling, concat, split',
  SplitV: 'pooling, concat, split',
  Slice: 'pooling, concat, split',
  Transpose: 'layout transposes',
  Reshape: 'reshapes and identities',
  Identity: 'reshapes and identities',
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Wall time, and this process' CPU time (all threads; the steadier figure on a shared machine).
const cpu: Record<string, number> = {};
async function timeIt(reps: number, f: () => Promise<void>, label: string): Promise<number> {
  await f();
  const wall: number[] = [];
  const used: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await f();
    const d = process.cpuUsage(c);
    wall.push(performance.now() - t);
    used.push((d.user + d.system) / 1000);
  }
  cpu[label] = +median(used).toFixed(1);
  return +median(wall).toFixed(1);
}

type Table = Map<string, { ms: number; calls: number }>;

async function profileInto(table: Table, groupOf: (name: string) => string, f: () => Promise<void>): Promise<void> {
  const info = await tf.profile(f);
  for (const k of info.kernels) {
    // Op-level entries (`fusedConv2d__op`) wrap kernels timed on their own: skip them.
    if (k.name.endsWith('__op')) continue;
    const key = `${groupOf(k.name)}|${k.name}`;
    const entry = table.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += (await k.kernelTimeMs) as number;
    entry.calls += 1;
    table.set(key, entry);
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const backend = args.backend ?? 'tensorflow';
  const reps = args.reps ?? 5;
  tf.env().set('IS_TEST', false);
  tf.enableProdMode();
  if (backend === 'tensorflow') loadTensorflowBackend();
  if (backend === 'wasm' && (args.threads ?? 1) > 1) await startWasmWithThreads(args.threads!);
  else await tf.setBackend(backend);
  await tf.ready();
  installKernels(backend);
  for (const name of args.stock ?? []) {
    const stock = stockKernel(name, backend);
    tf.unregisterKernel(name, backend);
    if (stock !== undefined) tf.registerKernel(stock);
  }
  const net = args.net ?? '2d';
  const model = net === '3d' ? benchUNet(3, 64, [8, 16, 32, 64]) : benchUNet(2, 128, [16, 32, 64, 128, 256]);
  const x = tf.randomNormal(net === '3d' ? [2, 64, 64, 64, 1] : [4, 128, 128, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
  const result: Record<string, unknown> = { backend, net, stock: args.stock ?? [], ...(backend === 'wasm' ? { threads: wasmThreads() } : {}) };

  result.forwardMs = await timeIt(reps, async () => {
    const out = model.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  }, 'forward');
  const { model: fast, foldedBatchNorms, fusedActivations } = await optimizeForInference(model);
  result.optimizedForwardMs = await timeIt(reps, async () => {
    const out = fast.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  }, 'optimizedForward');
  result.optimized = { foldedBatchNorms, fusedActivations };
  const a = model.predict(x) as tf.Tensor;
  const b = fast.predict(x) as tf.Tensor;
  result.optimizedMaxRelDiff = +(await tf.tidy(() => tf.max(tf.div(tf.abs(tf.sub(a, b)), tf.add(tf.abs(a), 1)))).data())[0]!.toExponential(2);
  tf.dispose([a, b]);
  fast.dispose();

  result.cpuMs = cpu;
  if (args.train === false) {
    tf.dispose([x, y]);
    model.dispose();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  result.trainStepMs = await timeIt(reps, async () => {
    await model.trainOnBatch(x, y);
  }, 'trainStep');

  // One step, profiled: gradients (forward + backward) then the optimizer.
  const table: Table = new Map();
  let grads: tf.NamedTensorMap = {};
  const lossOf = () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const t0 = performance.now();
  await profileInto(table, (n) => GROUPS[n] ?? 'other elementwise (loss, bias gradient sums, BN moving averages)', async () => {
    const { value, grads: g } = tf.variableGrads(lossOf);
    grads = g;
    await value.data();
    value.dispose();
  });
  await profileInto(table, () => 'optimizer (Adam)', async () => {
    optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    await (Object.values(grads)[0] as tf.Tensor).data();
  });
  result.profiledStepWallMs = +(performance.now() - t0).toFixed(1);
  tf.dispose(Object.values(grads));

  const byGroup = new Map<string, { ms: number; calls: number; kernels: Record<string, { ms: number; calls: number }> }>();
  for (const [key, v] of table) {
    const [group, name] = key.split('|') as [string, string];
    const g = byGroup.get(group) ?? { ms: 0, calls: 0, kernels: {} };
    g.ms += v.ms;
    g.calls += v.calls;
    g.kernels[name] = { ms: +v.ms.toFixed(1), calls: v.calls };
    byGroup.set(group, g);
  }
  const total = [...byGroup.values()].reduce((s, g) => s + g.ms, 0);
  result.profileKernelMs = +total.toFixed(1);
  result.profile = [...byGroup.entries()]
    .sort((p, q) => q[1].ms - p[1].ms)
    .map(([group, g]) => ({ group, ms: +g.ms.toFixed(1), share: +(g.ms / total).toFixed(3), calls: g.calls, kernels: g.kernels }));
  tf.dispose([x, y]);
  model.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
