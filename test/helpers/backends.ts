import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import type { ConcreteBackend } from '../../src/backend/packages.js';

/**
 * The backends numeric suites run on: `UNET_KIT_BACKENDS=cpu,wasm` (default both; `tensorflow`
 * is added automatically where tfjs-node is installed).
 */
export function testBackends(): ConcreteBackend[] {
  const fromEnv = process.env.UNET_KIT_BACKENDS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.split(',').map((s) => s.trim()) as ConcreteBackend[];
  return ['cpu', 'wasm'];
}

/**
 * Declares `body` once per test backend, inside `describe(backend)`, with the backend
 * activated (through `useBackend`, so unet-kit's kernels are installed) before its tests.
 *
 * @example
 * ```ts
 * describeEachBackend('dice', (backend) => { it('is 1 on itself', () => { ... }); });
 * ```
 */
export function describeEachBackend(title: string, body: (backend: ConcreteBackend) => void): void {
  for (const backend of testBackends()) {
    describe(`${title} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend);
        if (tf.getBackend() !== backend) throw new Error(`backend ${backend} did not activate`);
      });
      body(backend);
    });
  }
}
