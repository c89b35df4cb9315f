// Sliding-window inference bench (issue 14): throughput and peak memory of
// `slidingWindowInference` over a large volume.
//
//   node --import tsx bench/slidingWindow.ts                       # 512x512x300, 96^3, overlap 0.5, wasm
//   node --import tsx bench/slidingWindow.ts --size 128,128,96 --roi 48 --backend cpu
//   node --import tsx bench/slidingWindow.ts --net conv3 --batch 2
//
//   node --import tsx bench/slidingWindow.ts --output array         # a host Float32Array, no output tensor
//   node --import tsx bench/slidingWindow.ts --threads 2            # wasm on 2 threads (default: one per core)
//
// The predictor is deliberately tiny (`--net conv1`: a 1x1x1 conv to 2 channels and a softmax;
// `--net conv3`: a 3x3x3 conv to 4 channels, ReLU, a 1x1x1 conv to 2 and a softmax), so the run
// measures the window engine (slicing, host accumulation, blending), not a network. The volume
// is `[1, D, H, W, 1]` float32 (`--size D,H,W`, axes as the library's channels-last layout),
// made on the backend by one broadcast add of a `D x H` plane and a `W` row, so neither a
// volume-sized host array nor a volume-sized temporary tensor raises the peak.
// Prints one JSON document: windows, seconds, windows/s, peak RSS (process.resourceUsage().maxRSS,
// the process high-water mark, including the input and output tensors) and the load average.
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, wasmThreads, type BackendName } from '../src/backend/index.js';
import { slidingWindowInference } from '../src/inference/index.js';
import { windowStarts } from '../src/inference/windows.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const backend = (flag('--backend') ?? 'wasm') as BackendName;
const size = (flag('--size') ?? '300,512,512').split(',').map(Number) as [number, number, number];
const roi = Number(flag('--roi') ?? 96);
const overlap = Number(flag('--overlap') ?? 0.5);
const batchSize = Number(flag('--batch') ?? 4);
const net = flag('--net') ?? 'conv1';
const output = flag('--output') ?? 'tensor';
const threadsFlag = flag('--threads');
const threads = threadsFlag === undefined || threadsFlag === 'auto' ? 'auto' : Number(threadsFlag);
if (size.length !== 3 || size.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`bench: --size D,H,W, got ${flag('--size')}`);
if (net !== 'conv1' && net !== 'conv3') throw new Error(`bench: --net conv1 or conv3, got ${net}`);
if (output !== 'tensor' && output !== 'array') throw new Error(`bench: --output tensor or array, got ${output}`);

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB

await useBackend(backend, backend === 'wasm' || backend === 'auto' ? { threads } : {});
const [D, H, W] = size;
const input = tf.tidy(() => {
  const ramp = (n: number, shape: number[]): tf.Tensor => tf.reshape(tf.linspace(0, 6, n), shape);
  return tf.add(tf.sin(tf.add(ramp(D, [1, D, 1, 1, 1]), ramp(H, [1, 1, H, 1, 1]))), tf.cos(ramp(W, [1, 1, 1, W, 1])));
});
const k1 = tf.tensor5d([0.5, -0.5], [1, 1, 1, 1, 2]);
const k3a = tf.randomNormal([3, 3, 3, 1, 4], 0, 0.2, 'float32', 1) as tf.Tensor5D;
const k3b = tf.randomNormal([1, 1, 1, 4, 2], 0, 0.5, 'float32', 2) as tf.Tensor5D;
const network = (batch: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    const x = batch as tf.Tensor5D;
    const logits = net === 'conv1' ? tf.conv3d(x, k1 as tf.Tensor5D, 1, 'same') : tf.conv3d(tf.relu(tf.conv3d(x, k3a, 1, 'same')), k3b, 1, 'same');
    return tf.softmax(logits);
  });
// wasm and cpu kernels run synchronously, so the CPU time inside the predictor is the network's
// share; the rest of `cpuSeconds` is the engine (slicing the windows, reading them back, blending).
let predictorCpu = 0;
const predict = (batch: tf.Tensor): tf.Tensor => {
  const start = process.cpuUsage();
  const out = network(batch);
  const used = process.cpuUsage(start);
  predictorCpu += (used.user + used.system) / 1e6;
  return out;
};

const windows = size.map((s) => windowStarts(Math.max(s, roi), roi, overlap).length).reduce((a, b) => a * b, 1);
const rssBefore = rssMb();
const t0 = performance.now();
const c0 = process.cpuUsage();
const options = { roiSize: roi, overlap, batchSize };
const stitched = output === 'array' ? await slidingWindowInference(predict, input, { ...options, output: 'array' }) : await slidingWindowInference(predict, input, options);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const peakRssMb = rssMb();
// Softmax: the two channels sum to 1 at every voxel (a float32 sum over the volume would not do:
// it stops growing at 2^24).
let worst = 0;
if (stitched instanceof tf.Tensor) {
  worst = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.sum(stitched, -1), 1))).dataSync()[0]!);
  stitched.dispose();
} else {
  for (let i = 0; i < stitched.data.length; i += 2) worst = Math.max(worst, Math.abs(stitched.data[i]! + stitched.data[i + 1]! - 1));
}
const voxels = D * H * W;
const result = {
  bench: 'slidingWindowInference',
  backend,
  ...(backend === 'wasm' || backend === 'auto' ? { threads: wasmThreads() } : {}),
  net,
  output,
  size: [D, H, W],
  roi,
  overlap,
  batchSize,
  windows,
  seconds: Number(seconds.toFixed(2)),
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  windowsPerSecond: Number((windows / seconds).toFixed(2)),
  windowsPerCpuSecond: Number((windows / ((cpu.user + cpu.system) / 1e6)).toFixed(2)),
  predictorCpuSeconds: Number(predictorCpu.toFixed(2)),
  inputMb: mb(voxels * 4),
  outputMb: mb(voxels * 2 * 4),
  peakRssMbBeforeInference: rssBefore,
  peakRssMb,
  maxChannelSumError: worst,
  loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  node: process.version,
};
tf.dispose([input, k1, k3a, k3b]);
console.log(JSON.stringify(result, null, 2));
