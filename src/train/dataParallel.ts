import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { assertInteger, assertKnownKeys, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin, isNode } from '../backend/environment.js';
import {
  BUILTIN_LOSSES,
  type DataParallelLoss,
  type WireTensor,
  type WorkerInit,
  type WorkerReply,
  type WorkerRequest,
} from './dataParallelProtocol.js';

export type { DataParallelLoss, DataParallelLossModule } from './dataParallelProtocol.js';

const FN = 'dataParallelTrainer';

/** Options of {@link dataParallelTrainer}. */
export interface DataParallelOptions {
  /** The loss, averaged over the samples of a batch: a built-in name or a module export (see {@link DataParallelLossModule}). */
  loss: DataParallelLoss;
  /** Applies the averaged gradients on the calling thread, e.g. `tf.train.adam(1e-3)`. */
  optimizer: tf.Optimizer;
  /** Worker threads (1-64). Default 2. Use at most the number of cores. */
  workers?: number;
  /** The workers' tfjs backend. Default `'wasm'`. */
  backend?: 'wasm' | 'cpu';
  /**
   * Modules each worker imports before rebuilding the model: those that register custom layers
   * (`tf.serialization.registerClass`) or kernels. unet-kit's own layers are always registered.
   * Bare specifiers, absolute paths or `file:` URLs (relative paths: against `process.cwd()`).
   */
  imports?: string[];
}

/** What {@link DataParallelTrainer.computeGradients} returns. */
export interface DataParallelGradients {
  /** The batch loss (shard losses weighted by shard size). */
  loss: number;
  /** Gradients of the loss for every trainable weight, keyed by variable name (as `tf.variableGrads`). */
  grads: tf.NamedTensorMap;
}

/** A model trained on several worker threads; see {@link dataParallelTrainer}. */
export interface DataParallelTrainer {
  /** The model being trained (its weights are the master copy, updated by {@link DataParallelTrainer.trainOnBatch}). */
  readonly model: tfl.LayersModel;
  /** The number of worker threads. */
  readonly workers: number;
  /**
   * One optimizer step on the batch `(x, y)` split across the workers; resolves to the batch
   * loss. Batch-norm moving statistics are the shard-size-weighted mean of the workers' updates.
   */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): Promise<number>;
  /** The batch loss and its gradients, computed across the workers (no optimizer step); dispose the grads. */
  computeGradients(x: tf.Tensor, y: tf.Tensor): Promise<DataParallelGradients>;
  /** Inference (`training: false`) with the batch split across the workers; returns a new tensor. */
  predict(x: tf.Tensor): Promise<tf.Tensor>;
  /** Terminates the workers. Idempotent; the trainer cannot be used afterwards. */
  dispose(): Promise<void>;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** One worker thread with request/reply bookkeeping; referenced (keeps Node alive) only while busy. */
class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  constructor(private readonly worker: NodeWorker) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return;
      const id = m.id;
      if (id === undefined) {
        this.fail(new UnetKitError(FN, 'worker', `failed to start: ${m.type === 'error' ? m.message : ''}`));
        return;
      }
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (m.type === 'error') p.reject(new UnetKitError(FN, 'worker', `failed: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => this.fail(new UnetKitError(FN, 'worker', `crashed: ${String(e?.stack ?? e)}`)));
    worker.on('exit', (code) => this.fail(new UnetKitError(FN, 'worker', `exited (code ${code}).`)));
  }

  /** Resolves when the worker has rebuilt the model. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') {
          cleanup();
          this.worker.unref();
          resolve();
        } else if (m.type === 'error' && m.id === undefined) {
          cleanup();
          reject(new UnetKitError(FN, 'worker', `failed to start: ${m.message}`));
        }
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new UnetKitError(FN, 'worker', `exited (code ${code}) while starting.`));
      };
      const onError = (e: Error) => {
        cleanup();
        reject(new UnetKitError(FN, 'worker', `failed to start: ${String(e?.stack ?? e)}`));
      };
      const cleanup = () => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        this.worker.off('error', onError);
      };
      this.worker.on('message', onMessage);
      this.worker.on('exit', onExit);
      this.worker.on('error', onError);
    });
  }

  /** Posts a message that gets no reply (`load`); a failure surfaces at the next `call`. */
  send(request: WorkerRequest): void {
    if (this.failure === undefined) this.worker.postMessage(request);
  }

  call(request: WorkerRequest & { id: number }, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.failure ??= new UnetKitError(FN, 'trainer', 'was disposed.');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fail(this.failure);
  }
}

// tsx (through vitest or `node --import tsx`) runs the sources, the package runs dist/: the
// worker is the sibling file with this module's extension (.ts or .js; the CJS build starts the
// ESM worker, which is a separate module graph anyway).
function workerEntry(): { url: string; typescript: boolean } {
  let base: string | undefined;
  try {
    base = import.meta.url;
  } catch {
    base = undefined;
  }
  if (typeof base !== 'string' || base === '') {
    // CJS build: import.meta is empty there.
    const filename = typeof __filename === 'string' ? __filename : undefined;
    if (filename === undefined) throw new UnetKitError(FN, 'worker', 'cannot locate dataParallelWorker.js (no import.meta.url nor __filename).');
    base = `file://${filename.startsWith('/') ? '' : '/'}${filename.replace(/\\/g, '/')}`;
  }
  const typescript = /\.[cm]?ts$/.test(new URL(base).pathname);
  return { url: new URL(`./dataParallelWorker.${typescript ? 'ts' : 'js'}`, base).href, typescript };
}

// The worker's bootstrap, eval'd: registers tsx for TypeScript sources, then imports the worker
// module. Only dynamic imports, so it runs whether Node evaluates it as CommonJS or (under an
// inherited --input-type=module) as an ES module.
const BOOTSTRAP = `
const threads = 'node:worker_threads';
import(threads).then(async ({ workerData, parentPort }) => {
  try {
    if (workerData.typescript) (await import('tsx/esm/api')).register();
    await import(workerData.entry);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) });
  }
});
`;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

async function wire(t: tf.Tensor): Promise<{ data: Float32Array | Int32Array; dtype: 'float32' | 'int32' }> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') fail(FN, 'x/y dtype', t.dtype, "'float32' or 'int32'");
  const data = (await t.data()) as Float32Array | Int32Array;
  return { data, dtype: t.dtype };
}

/** Splits `n` samples into at most `workers` contiguous shards of near-equal size. */
function shards(n: number, workers: number): Array<[number, number]> {
  const count = Math.min(n, workers);
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(n / count) + (i < n % count ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

function sliceWire(w: { data: Float32Array | Int32Array; dtype: 'float32' | 'int32' }, shape: number[], [a, b]: [number, number]): WireTensor {
  const per = sizeOf(shape.slice(1));
  return { data: w.data.slice(a * per, b * per), shape: [b - a, ...shape.slice(1)], dtype: w.dtype };
}

/**
 * Data-parallel training on Node `worker_threads` (Node only): each of `workers` threads holds a
 * copy of `model` on its own tfjs backend (wasm by default, with unet-kit's kernels), computes the
 * loss gradients of its contiguous shard of each batch, and the calling thread averages them
 * (weighted by shard size, in place in shared memory) and applies `optimizer` to `model`.
 * Weights travel through a `SharedArrayBuffer`: only those whose value changed (every weight
 * after an optimizer step, none between two `predict` calls) are copied, right after the step so
 * that the workers load them while the caller prepares the next batch; weights the caller changes
 * between calls (`setWeights`, `assign`) are sent at the next call. Workers hold no optimizer
 * state; `model` and `optimizer` are up to date whenever a call has resolved.
 *
 * Why: tfjs' wasm backend runs on one thread in Node (its threaded build cannot start workers
 * there), so a train step uses one core; with 2 workers on a 2-core machine a step of the bench
 * U-Net takes about half the time (see the README's performance section).
 *
 * Semantics, as PyTorch DistributedDataParallel without SyncBatchNorm:
 * - the gradient equals the full-batch gradient for losses that are means over samples
 *   (the built-in losses, cross-entropy, per-sample Dice averaged over the batch); for a loss
 *   that pools the whole batch (a "global" Dice summed over all samples) it is the mean of the
 *   shard losses' gradients instead, which differs;
 * - batch normalization normalizes each shard with the shard's own statistics (smaller
 *   batches: noisier statistics); the moving mean and variance become the size-weighted mean
 *   of the workers' updates;
 * - dropout draws independent masks per worker; regularizer losses are added once (weighted).
 *
 * The model must have one input and one output. Custom layers must be registered in the workers
 * through `options.imports`. Workers do not keep Node running between calls; call `dispose()`
 * when done to free their memory.
 *
 * @param model - a built `tf.LayersModel` (serialized with `model.toJSON()` for the workers).
 * @param options - {@link DataParallelOptions}: `loss` and `optimizer` are required.
 * @returns A started {@link DataParallelTrainer}.
 * @throws UnetKitError in a browser, for invalid options, or when a worker fails to start.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { unet } from 'unet-kit/models';
 * import { dataParallelTrainer } from 'unet-kit/train';
 * const model = unet({ inputShape: [128, 128, 1], numClasses: 1 });
 * const trainer = await dataParallelTrainer(model, {
 *   loss: { module: 'unet-kit/losses', name: 'diceCELoss', args: [{}] },
 *   optimizer: tf.train.adam(1e-3),
 * });
 * try {
 *   for (const [x, y] of batches) console.log(await trainer.trainOnBatch(x, y));
 * } finally {
 *   await trainer.dispose();
 * }
 * ```
 */
export async function dataParallelTrainer(model: tfl.LayersModel, options: DataParallelOptions): Promise<DataParallelTrainer> {
  if (!isNode()) {
    throw new UnetKitError(FN, 'environment', 'needs Node.js worker_threads; in a browser train on one thread (model.fit) or use the webgl/webgpu backend.');
  }
  if (model === null || typeof model !== 'object' || typeof (model as { toJSON?: unknown }).toJSON !== 'function' || !Array.isArray(model.weights)) {
    fail(FN, 'model', model, 'a tf.LayersModel');
  }
  if (options === undefined) fail(FN, 'options', options, 'an options object with loss and optimizer');
  assertOptionsObject(FN, options);
  assertKnownKeys(FN, options, ['loss', 'optimizer', 'workers', 'backend', 'imports']);
  const workers = options.workers ?? 2;
  assertInteger(FN, 'options.workers', workers, { min: 1, max: 64 });
  const backend = options.backend ?? 'wasm';
  assertOneOf(FN, 'options.backend', backend, ['wasm', 'cpu'] as const);
  const loss = options.loss;
  if (typeof loss === 'string') assertOneOf(FN, 'options.loss', loss, BUILTIN_LOSSES);
  else if (loss === null || typeof loss !== 'object' || typeof loss.module !== 'string' || typeof loss.name !== 'string' || (loss.args !== undefined && !Array.isArray(loss.args))) {
    fail(FN, 'options.loss', loss, `one of ${BUILTIN_LOSSES.join(', ')} or { module: string, name: string, args?: unknown[] }`);
  }
  const optimizer = options.optimizer;
  if (optimizer === null || typeof optimizer !== 'object' || typeof (optimizer as { applyGradients?: unknown }).applyGradients !== 'function') {
    fail(FN, 'options.optimizer', optimizer, 'a tf.Optimizer, e.g. tf.train.adam(1e-3)');
  }
  const imports = options.imports ?? [];
  if (!Array.isArray(imports) || imports.some((s) => typeof s !== 'string')) fail(FN, 'options.imports', imports, 'an array of module specifiers');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    fail(FN, 'model', `${model.inputs.length} inputs, ${model.outputs.length} outputs`, 'a model with one input and one output');
  }
  if (model.weights.some((w) => w.dtype !== 'float32')) fail(FN, 'model', 'non-float32 weights', 'float32 weights only');

  const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
  const weights = model.weights;
  const variables = weights.map((w) => w.read() as tf.Variable);
  const shapes = weights.map((w) => [...(w.shape as number[])]);
  const trainable = weights.map((w) => w.trainable);
  const sizes = shapes.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  const trainableIdx = trainable.flatMap((t, i) => (t ? [i] : []));
  const stateIdx = trainable.flatMap((t, i) => (t ? [] : [i]));
  const trainableSize = trainableIdx.reduce((a, i) => a + sizes[i]!, 0);
  const stateSize = stateIdx.reduce((a, i) => a + sizes[i]!, 0);
  const weightBuffer = new SharedArrayBuffer(4 * Math.max(1, total));
  const gradBuffer = new SharedArrayBuffer(4 * Math.max(1, trainableSize * workers));
  const stateBuffer = new SharedArrayBuffer(4 * Math.max(1, stateSize * workers));
  const weightView = new Float32Array(weightBuffer);
  const gradView = new Float32Array(gradBuffer);
  const stateView = new Float32Array(stateBuffer);

  const entry = workerEntry();
  const topology = JSON.stringify(model.toJSON(null, false));
  const handles: WorkerHandle[] = [];
  try {
    for (let index = 0; index < workers; index++) {
      const init: WorkerInit = {
        topology,
        shapes,
        trainable,
        backend,
        imports,
        loss,
        weights: weightBuffer,
        grads: gradBuffer,
        state: stateBuffer,
        index,
      };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...init, entry: entry.url, typescript: entry.typescript } });
      handles.push(new WorkerHandle(worker));
    }
    await Promise.all(handles.map((h) => h.ready()));
  } catch (e) {
    await Promise.all(handles.map((h) => h.terminate()));
    throw e;
  }

  let nextId = 0;
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();
  // One request at a time: the weight buffer is shared by every call.
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new UnetKitError(FN, 'trainer', 'was disposed.'));
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  // Every change of a tf.Variable's value (optimizer steps, layer.setWeights, assign) gives it a
  // new dataId: the weights whose dataId differs from the one last published are copied into the
  // shared buffer and named in a `load` message to every worker. Called before each request (so
  // changes made by the caller between calls reach the workers) and right after each optimizer
  // step (so that the workers copy the new weights while the caller prepares its next batch).
  const published: Array<object | undefined> = variables.map(() => undefined);
  const dataIdOf = (v: tf.Variable): object => (v as unknown as { dataId: object }).dataId;
  const publishWeights = (): void => {
    const indices: number[] = [];
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i]!;
      const id = dataIdOf(v);
      if (published[i] === id) continue;
      weightView.set(v.dataSync() as Float32Array, offsets[i]);
      published[i] = id;
      indices.push(i);
    }
    if (indices.length === 0) return;
    const request: WorkerRequest = { type: 'load', indices };
    for (const h of handles) h.send(request);
  };

  const checkBatch = (name: string, t: tf.Tensor, batch?: number): void => {
    if (!(t instanceof tf.Tensor)) fail(FN, name, t, 'a tf.Tensor');
    if (t.rank < 1 || t.shape[0]! < 1) fail(FN, `${name}.shape`, t.shape, 'a batch of at least one sample');
    if (batch !== undefined && t.shape[0] !== batch) fail(FN, `${name}.shape[0]`, t.shape[0], `${batch} (the batch size of x)`);
  };

  const gradients = async (x: tf.Tensor, y: tf.Tensor): Promise<number> => {
    checkBatch('x', x);
    checkBatch('y', y, x.shape[0]);
    const [xw, yw] = await Promise.all([wire(x), wire(y)]);
    publishWeights();
    const n = x.shape[0]!;
    const parts = shards(n, workers);
    const replies = await Promise.all(
      parts.map((part, i) => {
        const req: WorkerRequest = { type: 'grad', id: nextId++, x: sliceWire(xw, x.shape, part), y: sliceWire(yw, y.shape, part) };
        return handles[i]!.call(req, [req.x.data.buffer as ArrayBuffer, req.y.data.buffer as ArrayBuffer]);
      }),
    );
    const share = parts.map(([a, b]) => (b - a) / n);
    let lossValue = 0;
    parts.forEach((_, i) => (lossValue += share[i]! * (replies[i] as { loss: number }).loss));
    averageInPlace(share);
    // Moving statistics: the size-weighted mean of the workers' updated values (skip unchanged).
    let o = 0;
    for (const i of stateIdx) {
      const size = sizes[i]!;
      const current = variables[i]!.dataSync() as Float32Array;
      const mean = new Float32Array(size);
      let changed = false;
      let diverged = false;
      for (let k = 0; k < size; k++) {
        let s = 0;
        for (let j = 0; j < parts.length; j++) s += share[j]! * stateView[j * stateSize + o + k]!;
        mean[k] = s;
        if (mean[k] !== current[k]) changed = true;
        for (let j = 0; j < parts.length && !diverged; j++) diverged = stateView[j * stateSize + o + k] !== mean[k];
      }
      if (changed) {
        const t = tf.tensor(mean, shapes[i]);
        weights[i]!.write(t);
        t.dispose();
      } else if (diverged) {
        // The mean equals the main thread's value but a worker holds its own: send it again.
        published[i] = undefined;
      }
      o += size;
    }
    return lossValue;
  };

  // The shard-size-weighted mean of the workers' gradients, written over worker 0's region of
  // the shared buffer in one pass (float32 after each term, as before: the sum of a few float32
  // terms, like the reductions of a single-process gradient). One shard: region 0 already is it.
  const averageInPlace = (share: readonly number[]): void => {
    const g = gradView;
    const size = trainableSize;
    if (share.length === 2) {
      const [w0, w1] = share as [number, number];
      for (let k = 0; k < size; k++) g[k] = Math.fround(w0 * g[k]!) + w1 * g[size + k]!;
    } else if (share.length > 2) {
      for (let k = 0; k < size; k++) {
        let s = Math.fround(share[0]! * g[k]!);
        for (let j = 1; j < share.length; j++) s = Math.fround(s + share[j]! * g[j * size + k]!);
        g[k] = s;
      }
    }
  };

  // Tensors of the averaged gradients (region 0). The wasm backend copies the values into its
  // heap when the tensor is made, so a view of the shared buffer is enough; other backends may
  // keep the array they are given (the cpu backend does), so they get a copy.
  const averageGrads = (): tf.NamedTensorMap => {
    const copy = tf.getBackend() !== 'wasm';
    const named: tf.NamedTensorMap = {};
    let o = 0;
    for (const i of trainableIdx) {
      const view = gradView.subarray(o, o + sizes[i]!);
      named[variables[i]!.name] = tf.tensor(copy ? view.slice() : view, shapes[i]);
      o += sizes[i]!;
    }
    return named;
  };

  return {
    model,
    workers,
    computeGradients(x, y) {
      return serial(async () => {
        const value = await gradients(x, y);
        return { loss: value, grads: averageGrads() };
      });
    },
    trainOnBatch(x, y) {
      return serial(async () => {
        const value = await gradients(x, y);
        const named = averageGrads();
        try {
          optimizer.applyGradients(named);
        } finally {
          tf.dispose(Object.values(named));
        }
        publishWeights();
        return value;
      });
    },
    predict(x) {
      return serial(async () => {
        checkBatch('x', x);
        const xw = await wire(x);
        publishWeights();
        const parts = shards(x.shape[0]!, workers);
        const replies = await Promise.all(
          parts.map((part, i) => {
            const req: WorkerRequest = { type: 'predict', id: nextId++, x: sliceWire(xw, x.shape, part) };
            return handles[i]!.call(req, [req.x.data.buffer as ArrayBuffer]);
          }),
        );
        const outs = replies.map((r) => (r as { y: WireTensor }).y);
        const shape = [x.shape[0]!, ...outs[0]!.shape.slice(1)];
        const data = new Float32Array(sizeOf(shape));
        let o = 0;
        for (const out of outs) {
          data.set(out.data, o);
          o += out.data.length;
        }
        return tf.tensor(data, shape, 'float32');
      });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      await Promise.all(handles.map((h) => h.terminate()));
    },
  };
}
