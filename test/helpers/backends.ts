import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import type { ConcreteBackend } from '../../src/backend/packages.js';
import { loadTensorflowBackend, tensorflowAvailability } from './tensorflowBackend.js';

/**
 * The backends numeric suites run on: `UNET_KIT_BACKENDS=cpu,wasm,tensorflow` picks them;
 * by default `cpu`, `wasm` and, where tfjs-node is installed or provisioned
 * (scripts/provision-tfjs-node.mjs), `tensorflow`.
 */
export function testBackends(): ConcreteBackend[] {
  const fromEnv = process.env.UNET_KIT_BACKENDS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.split(',').map((s) => s.trim()) as ConcreteBackend[];
  return tensorflowAvailability().available ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];
}

/** Why the `tensorflow` block of a suite does not run here, or undefined when it does. */
function tensorflowSkipReason(): string | undefined {
  const fromEnv = process.env.UNET_KIT_BACKENDS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return undefined;
  const where = tensorflowAvailability();
  return where.available ? undefined : where.reason;
}

/**
 * Activates `backend` through `useBackend` (so unet-kit's kernels are installed). wasm runs on
 * one thread: the suites share a few cores (test/backend/wasmThreads.test.ts covers threads).
 */
export async function activateTestBackend(backend: ConcreteBackend): Promise<void> {
  if (backend === 'tensorflow') loadTensorflowBackend();
  await useBackend(backend, backend === 'wasm' ? { threads: 1 } : {});
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} did not activate`);
}

/**
 * Declares `body` once per test backend, inside `describe(backend)`, with the backend
 * activated (through `useBackend`, so unet-kit's kernels are installed) before its tests.
 * Where tfjs-node is absent it declares one skipped `[tensorflow]` test whose title says why.
 *
 * @example
 * ```ts
 * describeEachBackend('dice', (backend) => { it('is 1 on itself', () => { ... }); });
 * ```
 */
export function describeEachBackend(title: string, body: (backend: ConcreteBackend) => void): void {
  for (const backend of testBackends()) {
    describe(`${title} [${backend}]`, () => {
      beforeAll(() => activateTestBackend(backend));
      body(backend);
    });
  }
  const skipped = tensorflowSkipReason();
  if (skipped !== undefined) describe(`${title} [tensorflow]`, () => it.skip(`skipped: ${skipped}`, () => undefined));
}
