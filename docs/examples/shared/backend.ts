// The backend picker: every browser backend of tfjs is bundled, and the page uses the one named
// (webgpu, webgl, wasm, or 'auto': unet-kit ranks a software GPU below wasm).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from 'unet-kit/backend';

/** The names the picker offers. */
export const PICKABLE = ['auto', 'webgpu', 'webgl', 'wasm'] as const;

// The .wasm files sit in the site's examples/wasm/ folder (the build copies them there).
setWasmPaths(new URL('../wasm/', location.href).href);

/**
 * Switches to `name` and says what runs: for wasm, whether threads are on (they need the page to
 * be cross-origin isolated). Errors are unet-kit's: "not installed", "no adapter here", ...
 */
export async function startBackend(name: string): Promise<{ backend: string; detail: string }> {
  if (!(PICKABLE as readonly string[]).includes(name)) throw new Error(`backend ${name}: pick one of ${PICKABLE.join(', ')}`);
  const backend = await useBackend(name as BackendName);
  const threads = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : false;
  return { backend, detail: backend === 'wasm' ? (threads ? 'wasm, threaded' : 'wasm, one thread') : backend };
}

/** Fills a <select> with the pickable backends, `selected` chosen. */
export function fillPicker(select: HTMLSelectElement, selected: string): void {
  for (const name of PICKABLE) select.add(new Option(name, name, name === selected, name === selected));
}
