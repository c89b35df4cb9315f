import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';

/** The shape of a rank-5 (volume) tensor, `[N, D, H, W, C]`. */
export type Shape5 = [number, number, number, number, number];

/** A kernel's view of a tensor: what `kernelFunc` receives and returns. */
export type Info = tf.TensorInfo;

/** A backend object as kernels receive it (`KernelFunc` types it as `{}`). */
export type AnyBackend = object;

/** The parts of tfjs' wasm backend object the kernels use (structural, so the package stays optional). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** The parts of tfjs' cpu backend object the kernels use. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: unknown): Info;
}

function isWasm(backend: unknown): backend is WasmBackendLike {
  return typeof (backend as Partial<WasmBackendLike>).typedArrayFromHeap === 'function';
}

/**
 * The float32 values behind `info` without a copy (the wasm heap or the cpu backend's array).
 * On wasm, heap views die when the heap grows: take them only after every output of the
 * kernel is allocated ({@link allocF32}), and allocate nothing while holding them.
 */
export function readF32(backend: AnyBackend, info: Info): Float32Array {
  if (info.dtype !== 'float32') throw new UnetKitError('unet-kit kernels', 'input dtype', `is '${info.dtype}'; expected 'float32'.`);
  if (isWasm(backend)) return backend.typedArrayFromHeap(info) as Float32Array;
  const values = (backend as unknown as CpuBackendLike).data.get(info.dataId)?.values;
  if (values instanceof Float32Array) return values;
  // The cpu backend keeps what the user passed; a plain array or another typed array is copied.
  return Float32Array.from(values as ArrayLike<number>);
}

/** A zero-filled float32 output of `shape` and its writable values. */
export function allocF32(backend: AnyBackend, shape: number[]): { info: Info; values: Float32Array } {
  if (isWasm(backend)) {
    const info = backend.makeOutput(shape, 'float32');
    const values = backend.typedArrayFromHeap(info) as Float32Array;
    values.fill(0);
    return { info, values };
  }
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  const info = (backend as unknown as CpuBackendLike).makeTensorInfo(shape, 'float32', values);
  return { info, values };
}


/**
 * Runs other kernels of the same backend from inside a kernel and frees their intermediate
 * outputs: the composed kernels' bookkeeping, so a kernel leaks no backend buffer.
 */
export class KernelScope {
  private readonly temps: Info[] = [];

  constructor(
    readonly backend: AnyBackend,
    readonly backendName: string,
  ) {}

  /** Runs the kernel registered now for `kernelName` (a unet-kit replacement where there is one). */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel === undefined) throw new UnetKitError('unet-kit kernels', 'kernelName', `is '${kernelName}', which is not registered for backend '${this.backendName}'; import the backend package before installKernels().`);
    return this.track(kernel.kernelFunc({ inputs, attrs, backend: this.backend as tf.KernelBackend }) as Info);
  }

  /** A temporary float32 buffer, freed with the scope. */
  alloc(shape: number[]): Info {
    return this.track(allocF32(this.backend, shape).info);
  }

  /** The same data seen with another shape (no copy; both are freed independently). */
  reshape(info: Info, shape: number[]): Info {
    return this.run('Reshape', { x: info }, { shape });
  }

  /** Puts `info` (the output of a kernel run outside the scope) in the scope, freed with it. */
  own(info: Info): Info {
    return this.track(info);
  }

  /** Takes `info` out of the scope: the caller owns it (the kernel's output). */
  keep(info: Info): Info {
    const i = this.temps.indexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  /** Frees every intermediate still owned by the scope. */
  dispose(): void {
    for (const info of this.temps) (this.backend as tf.KernelBackend).disposeData(info.dataId);
    this.temps.length = 0;
  }

  private track(info: Info): Info {
    this.temps.push(info);
    return info;
  }
}

/**
 * Runs `body` with a fresh {@link KernelScope} and returns the output `body` marks with
 * `scope.keep`; intermediates are freed even when `body` throws.
 */
export function withScope(backend: AnyBackend, backendName: string, body: (scope: KernelScope) => Info): Info {
  const scope = new KernelScope(backend, backendName);
  try {
    return body(scope);
  } finally {
    scope.dispose();
  }
}

/** The int32 values behind `info` (indices), as {@link readF32}; same heap-view caveat on wasm. */
export function readI32(backend: AnyBackend, info: Info): Int32Array {
  if (info.dtype !== 'int32') throw new UnetKitError('unet-kit kernels', 'input dtype', `is '${info.dtype}'; expected 'int32'.`);
  if (isWasm(backend)) return backend.typedArrayFromHeap(info) as Int32Array;
  const values = (backend as unknown as CpuBackendLike).data.get(info.dataId)?.values;
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

/**
 * A float32 tensor of `shape` holding `values`, made on any backend (the wasm heap, or the
 * backend's own `makeTensorInfo`: cpu, webgl, webgpu); the caller owns it.
 */
export function constantF32(backend: AnyBackend, shape: number[], values: Float32Array): Info {
  if (isWasm(backend)) {
    const { info, values: heap } = allocF32(backend, shape);
    heap.set(values);
    return info;
  }
  return (backend as unknown as CpuBackendLike).makeTensorInfo(shape, 'float32', values);
}
