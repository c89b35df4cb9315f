import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { describe, expect, it, type TestContext } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { MAX_WASM_THREADS, wasmThreads } from '../../src/backend/wasmThreads.js';
import { UnetKitError } from '../../src/core/errors.js';
import { installKernels } from '../../src/kernels/index.js';
import { simdMatMulFor } from '../../src/kernels/wasm/simdMatMul.js';
import { unet } from '../../src/models/unet.js';
import { expectNoLeak, expectNoLeakRead } from '../helpers/leaks.js';
import { maxAbsDiff } from '../helpers/numeric.js';

/** Starts wasm on `threads` threads, or skips the test with the reason it cannot start here. */
async function startOrSkip(context: TestContext, threads: number): Promise<void> {
  try {
    await useBackend('wasm', { threads });
  } catch (error) {
    if (error instanceof UnetKitError && /failed to start here|not found/.test(error.message)) context.skip(`skipped: threaded wasm cannot start here (${error.message})`);
    throw error;
  }
}

/** Forward output, loss and every weight gradient of one MSE step of a seeded tiny U-Net. */
async function forwardAndGradients(): Promise<{ output: Float32Array; loss: number; grads: Float32Array[] }> {
  const model = unet({ inputShape: [16, 16, 1], numClasses: 1, filters: [4, 8], seed: 7 });
  try {
    return await expectNoLeak(async () => {
      const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 3);
      const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
      const output = model.predict(x) as tf.Tensor;
      const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      const names = Object.keys(grads).sort();
      const result = {
        output: (await output.data()) as Float32Array,
        loss: (await value.data())[0]!,
        grads: await Promise.all(names.map(async (n) => (await grads[n]!.data()) as Float32Array)),
      };
      tf.dispose([x, y, output, value, grads]);
      return result;
    });
  } finally {
    model.dispose();
  }
}

describe("useBackend('wasm', { threads })", () => {
  it('tfjs itself still never threads wasm in Node (docs/tfjs-gaps.md; drop src/backend/wasmThreads.ts when this fails)', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('starts the threaded-SIMD binary in Node and runs XNNPACK on 2 threads', async (context) => {
    await startOrSkip(context, 2);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreads()).toBe(2);
  });

  it('gives the numbers of one thread: forward, loss and every gradient of a U-Net step', async (context) => {
    await startOrSkip(context, 1);
    expect(wasmThreads()).toBe(1);
    const single = await forwardAndGradients();
    await startOrSkip(context, 2);
    expect(wasmThreads()).toBe(2);
    const threaded = await forwardAndGradients();
    expect(maxAbsDiff(threaded.output, single.output)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(threaded.loss - single.loss)).toBeLessThanOrEqual(1e-6 * (1 + single.loss));
    expect(threaded.grads.length).toBe(single.grads.length);
    threaded.grads.forEach((g, i) => expect(maxAbsDiff(g, single.grads[i]!), `gradient ${i}`).toBeLessThanOrEqual(1e-5));
  });

  it('runs the SIMD BatchMatMul (window attention) on the threaded build`s shared memory too', async (context) => {
    await startOrSkip(context, 2);
    installKernels('wasm');
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory } }).wasm.wasmMemory;
    expect(memory?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(simdMatMulFor(memory!)).not.toBeNull();
    const [a, b] = [tf.randomNormal([6, 7, 9], 0, 1, 'float32', 1), tf.randomNormal([6, 9, 12], 0, 1, 'float32', 2)];
    const [va, vb] = [await a.data(), await b.data()];
    const product = ((await expectNoLeakRead(() => tf.matMul(a, b))) as number[][][]).flat(2);
    let worst = 0;
    for (let q = 0; q < 6; q++) {
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 12; j++) {
          let sum = 0;
          for (let k = 0; k < 9; k++) sum += va[q * 63 + i * 9 + k]! * vb[q * 108 + k * 12 + j]!;
          worst = Math.max(worst, Math.abs(sum - product[q * 84 + i * 12 + j]!));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
    tf.dispose([a, b]);
  });

  it('keeps a started wasm backend, and its tensors, when no count is asked for', async (context) => {
    await startOrSkip(context, 2);
    const kept = tf.tensor1d([1, 2, 3]);
    expect(await useBackend('cpu')).toBe('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    expect(await expectNoLeakRead(() => tf.add(kept, 1))).toEqual([2, 3, 4]);
    kept.dispose();
  });

  it("gives an empty wasm backend (started by availableBackends, say) 'auto' threads", async (context) => {
    await startOrSkip(context, 1);
    expect(tf.engine().registry.wasm).toBeDefined();
    await useBackend('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(wasmThreads()).toBe(Math.min(MAX_WASM_THREADS, availableParallelism()));
  });

  it('does not keep Node running: a script that used 2 threads exits by itself', async (context) => {
    await startOrSkip(context, 2);
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { useBackend, wasmThreads } from './src/backend/index.js';",
      "await useBackend('wasm', { threads: 2 });",
      "const y = tf.conv2d(tf.ones([1, 8, 8, 2]), tf.ones([3, 3, 2, 4]), 1, 'same');",
      'console.log(wasmThreads(), (await y.data())[0]);',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
    // Corner pixel of a 3x3 all-ones conv over 2 channels under 'same' padding: 2 x 2 x 2 = 8.
    expect(out.trim().split('\n').pop()).toBe('2 8');
  }, 120_000);

  it('checks threads: an integer 1-8 or auto, for wasm or auto only', async () => {
    await expect(useBackend('wasm', { threads: 0 })).rejects.toThrow(`useBackend: options.threads is 0; expected an integer >= 1 and <= ${MAX_WASM_THREADS}.`);
    await expect(useBackend('wasm', { threads: 2.5 })).rejects.toThrow(UnetKitError);
    await expect(useBackend('wasm', { threads: 9 })).rejects.toThrow(UnetKitError);
    await expect(useBackend('wasm', { threads: 'all' as never })).rejects.toThrow(UnetKitError);
    await expect(useBackend('wasm', { thread: 2 } as never)).rejects.toThrow("useBackend: options.thread is not a known option; expected one of threads. Did you mean 'threads'?");
    await expect(useBackend('cpu', { threads: 2 })).rejects.toThrow("useBackend: options.threads is set for 'cpu'; threads apply to 'wasm' (or 'auto' when it picks wasm).");
  });
});
