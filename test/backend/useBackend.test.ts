import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isNode } from '../../src/core/platform.js';
import { AUTO_ORDER, BACKEND_NAMES, BACKEND_PACKAGES } from '../../src/backend/packages.js';
import { availableBackends, useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';

describe('useBackend', () => {
  it("'auto' in Node without tfjs-node picks wasm, the fastest present", async () => {
    const chosen = await useBackend('auto');
    expect(chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await useBackend()).toBe('wasm'); // 'auto' is the default
  });

  it('activates a named backend and returns its name', async () => {
    expect(await useBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it("silences tfjs-backend-cpu's Node banner for the backend it activates", async () => {
    await useBackend('cpu');
    expect((tf.engine().backend as unknown as { firstUse?: boolean }).firstUse).toBe(false);
  });

  it('names the package to install when a named backend is missing', async () => {
    await expect(useBackend('tensorflow')).rejects.toThrow(UnetKitError);
    await expect(useBackend('tensorflow')).rejects.toThrow(
      "useBackend: name is 'tensorflow', but it is not installed: install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node-gpu), or use 'auto'.",
    );
  });

  it('rejects browser-only backends in Node with the valid choices', async () => {
    await expect(useBackend('webgl')).rejects.toThrow(
      "useBackend: name is 'webgl', which is not available in Node.js; use 'tensorflow', 'wasm' or 'cpu', or 'auto'.",
    );
    await expect(useBackend('webgpu')).rejects.toThrow(UnetKitError);
  });

  it('rejects unknown names with the options and a suggestion', async () => {
    await expect(useBackend('wsam' as never)).rejects.toThrow(
      "useBackend: name is 'wsam'; expected one of 'auto', 'tensorflow', 'wasm', 'webgpu', 'webgl', 'cpu'. Did you mean 'wasm'?",
    );
    await expect(useBackend(3 as never)).rejects.toThrow(UnetKitError);
  });

  it('a failed request leaves the active backend as it was', async () => {
    await useBackend('cpu');
    await expect(useBackend('tensorflow')).rejects.toThrow(UnetKitError);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lists the usable backends fastest first without switching', async () => {
    await useBackend('cpu');
    expect(await availableBackends()).toEqual(['wasm', 'cpu']);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('leaves out a backend whose package is present but that fails to initialize here', async () => {
    await useBackend('cpu');
    const quiet = tf.env().getBool('IS_TEST');
    // Stand-ins for a present tfjs-node whose native library fails to load (synchronous
    // factory) and for a backend whose asynchronous set-up rejects (a WebGPU without adapter).
    for (const factory of [
      () => {
        throw new Error('libtensorflow not found');
      },
      async () => {
        throw new Error('no adapter');
      },
    ] as Array<() => tf.KernelBackend | Promise<tf.KernelBackend>>) {
      tf.env().set('IS_TEST', true); // tfjs logs the failed initialization unless testing
      tf.registerBackend('tensorflow', factory, 0);
      try {
        expect(await availableBackends()).toEqual(['wasm', 'cpu']);
        expect(tf.getBackend()).toBe('cpu');
      } finally {
        tf.removeBackend('tensorflow');
        tf.env().set('IS_TEST', quiet);
      }
    }
  });
});

describe('backend tables', () => {
  it('knows the Node environment and the preference orders of the design', () => {
    expect(isNode()).toBe(true);
    expect(AUTO_ORDER.node).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(AUTO_ORDER.browser).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(BACKEND_NAMES).toEqual(['auto', 'tensorflow', 'wasm', 'webgpu', 'webgl', 'cpu']);
    expect(BACKEND_PACKAGES.tensorflow).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  });
});
