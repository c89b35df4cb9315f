import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';

describe('useBackend', () => {
  it("'auto' in Node without tfjs-node picks wasm, the fastest present", async () => {
    const chosen = await useBackend('auto');
    expect(chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('activates a named backend and returns its name', async () => {
    expect(await useBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('names the package to install when a named backend is missing', async () => {
    await expect(useBackend('tensorflow')).rejects.toThrow(UnetKitError);
    await expect(useBackend('tensorflow')).rejects.toThrow(/@tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  });

  it('rejects browser-only backends in Node with the valid choices', async () => {
    await expect(useBackend('webgl')).rejects.toThrow(/not available in Node.js; use 'tensorflow', 'wasm' or 'cpu'/);
  });

  it('rejects unknown names with a suggestion', async () => {
    await expect(useBackend('wsam' as never)).rejects.toThrow(/Did you mean 'wasm'\?/);
  });

  it('lists the usable backends fastest first', async () => {
    expect(await availableBackends()).toEqual(['wasm', 'cpu']);
  });
});
