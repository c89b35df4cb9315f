/**
 * The worker-thread side of `dataParallelTrainer` (internal; Node only). Started by the
 * trainer, never imported by users: it rebuilds the model from its JSON topology on its own tfjs
 * backend, copies the weights the main thread names in `load` messages from shared memory, and
 * per request computes the loss gradients of its shard of the batch (written to shared memory) or
 * the predictions of its shard.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { installKernels } from '../../kernels/index.js';
import '../../layers/index.js';
import type { DataParallelLoss, WireTensor, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

function moduleUrl(specifier: string): string {
  if (specifier.startsWith('file:') || specifier.startsWith('node:')) return specifier;
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(process.cwd(), specifier)).href;
  return specifier;
}

async function resolveLoss(spec: DataParallelLoss): Promise<LossFn> {
  if (typeof spec === 'string') {
    const perSample = (tfl.metrics as unknown as Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>)[spec];
    if (perSample === undefined) throw new Error(`unknown loss '${spec}'`);
    return (yTrue, yPred) => tf.mean(perSample(yTrue, yPred));
  }
  const mod = (await import(/* @vite-ignore */ moduleUrl(spec.module))) as Record<string, unknown>;
  const exported = mod[spec.name];
  if (typeof exported !== 'function') throw new Error(`module '${spec.module}' has no function export '${spec.name}'`);
  const fn = spec.args !== undefined ? (exported as (...a: unknown[]) => unknown)(...spec.args) : exported;
  if (typeof fn !== 'function') throw new Error(`${spec.name}(...args) did not return a function`);
  return fn as LossFn;
}

function toTensor(w: WireTensor): tf.Tensor {
  return tf.tensor(w.data, w.shape, w.dtype);
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  tf.enableProdMode();
  if (init.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  for (const specifier of init.imports) await import(/* @vite-ignore */ moduleUrl(specifier));
  if (!(await tf.setBackend(init.backend))) throw new Error(`backend '${init.backend}' failed to start`);
  await tf.ready();
  installKernels(init.backend);
  const loss = await resolveLoss(init.loss);
  const model = await tfl.models.modelFromJSON({ modelTopology: JSON.parse(init.topology) as tf.io.ModelJSON['modelTopology'] });
  const weights = model.weights;
  if (weights.length !== init.shapes.length || weights.some((w, i) => !tf.util.arraysEqual(w.shape as number[], init.shapes[i]!))) {
    throw new Error('the rebuilt model\'s weights differ from the original\'s (a custom layer not registered in the worker? pass its module in options.imports)');
  }
  const all = new Float32Array(init.weights);
  const sizes = init.shapes.map((s) => tf.util.sizeFromShape(s));
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const trainableIdx = init.trainable.flatMap((t, i) => (t ? [i] : []));
  const stateIdx = init.trainable.flatMap((t, i) => (t ? [] : [i]));
  const trainableSize = trainableIdx.reduce((a, i) => a + sizes[i]!, 0);
  const stateSize = stateIdx.reduce((a, i) => a + sizes[i]!, 0);
  const grads = new Float32Array(init.grads, init.index * trainableSize * 4, trainableSize);
  const state = new Float32Array(init.state, init.index * stateSize * 4, stateSize);
  const variables = weights.map((w) => w.read() as tf.Variable);

  // wasm copies a tensor's values into its heap at creation, so a view of the shared buffer is
  // enough there; the cpu backend keeps the array it is given, so it gets a copy.
  const keepsArray = init.backend !== 'wasm';
  let loadError: unknown;
  const loadWeights = (indices: readonly number[]): void => {
    for (const i of indices) {
      const view = all.subarray(offsets[i]!, offsets[i]! + sizes[i]!);
      const t = tf.tensor(keepsArray ? view.slice() : view, init.shapes[i]);
      weights[i]!.write(t);
      t.dispose();
    }
  };

  const gradStep = (x: tf.Tensor, y: tf.Tensor): number => {
    const { value, grads: g } = tf.variableGrads(() => {
      const pred = model.apply(x, { training: true }) as tf.Tensor;
      let total = loss(y, pred);
      for (const reg of model.calculateLosses()) total = tf.add(total, reg);
      return tf.reshape(total, []) as tf.Scalar;
    }, trainableIdx.map((i) => variables[i]!));
    try {
      // dataSync: the values are ready (wasm and cpu compute eagerly) and one await per weight
      // would only add event-loop turns.
      let o = 0;
      for (const i of trainableIdx) {
        const gi = g[variables[i]!.name];
        if (gi === undefined) grads.fill(0, o, o + sizes[i]!);
        else grads.set(gi.dataSync() as Float32Array, o);
        o += sizes[i]!;
      }
      o = 0;
      for (const i of stateIdx) {
        state.set(variables[i]!.dataSync() as Float32Array, o);
        o += sizes[i]!;
      }
      return value.dataSync()[0]!;
    } finally {
      tf.dispose([value, ...Object.values(g)]);
    }
  };

  const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

  port.on('message', (req: WorkerRequest) => {
    if (req.type === 'load') {
      try {
        loadWeights(req.indices);
      } catch (e) {
        loadError ??= e;
      }
      return;
    }
    void (async () => {
      const inputs: tf.Tensor[] = [];
      try {
        if (loadError !== undefined) throw loadError;
        const x = toTensor(req.x);
        inputs.push(x);
        if (req.type === 'grad') {
          const y = toTensor(req.y);
          inputs.push(y);
          reply({ type: 'grad', id: req.id, loss: gradStep(x, y) });
        } else {
          const out = model.predict(x) as tf.Tensor;
          const data = (await out.data()) as Float32Array;
          const shape = out.shape;
          out.dispose();
          reply({ type: 'predict', id: req.id, y: { data, shape, dtype: 'float32' } }, [data.buffer as ArrayBuffer]);
        }
      } catch (e) {
        reply({ type: 'error', id: req.id, message: String((e as Error)?.stack ?? e) });
      } finally {
        tf.dispose(inputs);
      }
    })();
  });
  reply({ type: 'ready' });
}

main().catch((e: unknown) => {
  parentPort?.postMessage({ type: 'error', message: String((e as Error)?.stack ?? e) } satisfies WorkerReply);
});
