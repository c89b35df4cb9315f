// Looks at the browser's GPU devices through the web APIs themselves (a WebGL context, a WebGPU
// adapter) before tfjs starts a backend on them: a probe prints nothing, while a tfjs backend that
// fails to start logs warnings, and a software device (SwiftShader, llvmpipe) is many times
// slower than wasm (a tiny U-Net page: 43 s on SwiftShader WebGL against 1.9 s on wasm).

/** What a probe found about one GPU backend's device. */
export interface DeviceProbe {
  /** A device exists that tfjs can start the backend on. */
  readonly available: boolean;
  /** The device renders in software on the CPU. */
  readonly software: boolean;
  /** The renderer or adapter description, or why there is no device. */
  readonly detail: string;
}

// Renderer strings of CPU rasterizers: Chrome's SwiftShader, Mesa's llvmpipe/softpipe, Windows'
// WARP ("Microsoft Basic Render Driver"), and the generic "software" Mesa and ANGLE report.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render|subzero/i;

/**
 * True when a WebGL renderer string or WebGPU adapter description names a software device.
 *
 * @example `isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)')` is `true`.
 */
export function isSoftwareRenderer(description: string): boolean {
  return SOFTWARE_RENDERER.test(description);
}

interface GlLike {
  getExtension(name: string): unknown;
  getParameter(pname: number): unknown;
  readonly RENDERER: number;
}

function makeCanvas(): { getContext(kind: string): unknown } | null {
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): unknown }; document?: { createElement(tag: string): unknown } };
  if (typeof g.OffscreenCanvas === 'function') return new g.OffscreenCanvas(1, 1);
  if (g.document !== undefined) return g.document.createElement('canvas') as { getContext(kind: string): unknown };
  return null;
}

/** Makes a throwaway WebGL context, reads its renderer, and releases the context. */
export function probeWebgl(): DeviceProbe {
  const canvas = makeCanvas();
  if (canvas === null) return { available: false, software: false, detail: 'no canvas in this environment' };
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as GlLike | null;
  if (gl === null) return { available: false, software: false, detail: 'getContext("webgl2") and getContext("webgl") returned null' };
  const info = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const renderer = String(gl.getParameter(info !== null ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  // Browsers cap live contexts (16 in Chromium); give this one back now rather than at GC.
  (gl.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
  return { available: true, software: isSoftwareRenderer(renderer), detail: renderer };
}

interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
}

/** Asks `navigator.gpu` for an adapter and reads whether it is a fallback (software) one. */
export async function probeWebgpu(): Promise<DeviceProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } }).navigator?.gpu;
  if (gpu === undefined) {
    return {
      available: false,
      software: false,
      detail: 'navigator.gpu is undefined (WebGPU needs a secure context, https or localhost, and a browser with WebGPU enabled)',
    };
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { available: false, software: false, detail: `navigator.gpu.requestAdapter() threw: ${String(error)}` };
  }
  if (adapter === null) return { available: false, software: false, detail: 'navigator.gpu.requestAdapter() returned null (no WebGPU adapter)' };
  const info = adapter.info ?? {};
  const detail = [info.vendor, info.architecture, info.device, info.description].filter((s) => s !== undefined && s !== '').join(' ');
  const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true;
  return { available: true, software: fallback || isSoftwareRenderer(detail), detail: detail === '' ? 'unnamed adapter' : detail };
}
