// Shape-independent WebGL programs for a software renderer (SwiftShader, llvmpipe), where
// compiling a shader costs ~17 ms and tfjs compiles one per distinct tensor shape: the factory
// suite's 25 models compiled 6,026 programs and spent most of their 334.8 s doing so. tfjs'
// WEBGL_USE_SHAPES_UNIFORMS passes shapes as uniforms instead, but its program cache key misses
// what its shader generator reads from the texture shape of a squeezed input (rank-3 or rank-4
// tensors with unit axes: whether the squeezed shape equals the texture shape), so a program
// compiled for one texture layout ran on another and read the wrong texels (unetr 2D off by
// 0.90, swinUNet 2D by 0.27 in that suite). keyProgramsBySource() makes the shader source itself
// part of the key.
import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean } from '../../core/assert.js';
import { UnetKitError } from '../../core/errors.js';

/** The parts of tfjs' MathBackendWebGL this module uses. */
interface WebGLBackendLike {
  gpgpu: unknown;
  getAndSaveBinary(key: string, getBinary: () => unknown): unknown;
}

/** The flags of tfjs-backend-webgl that pack textures; each reads WEBGL_PACK's value once, when first asked. */
const PACK_FLAGS = [
  'WEBGL_PACK',
  'WEBGL_PACK_NORMALIZATION',
  'WEBGL_PACK_CLIP',
  'WEBGL_PACK_DEPTHWISECONV',
  'WEBGL_PACK_BINARY_OPERATIONS',
  'WEBGL_PACK_UNARY_OPERATIONS',
  'WEBGL_PACK_ARRAY_OPERATIONS',
  'WEBGL_PACK_IMAGE_OPERATIONS',
  'WEBGL_PACK_REDUCE',
  'WEBGL_LAZILY_UNPACK',
  'WEBGL_CONV_IM2COL',
  'WEBGL_PACK_CONV2DTRANSPOSE',
] as const;
const SHAPE_UNIFORMS = 'WEBGL_USE_SHAPES_UNIFORMS';

const KEYED = Symbol.for('unet-kit.webgl.sourceKeyedPrograms');
// Thrown by the stand-in WebGL context below once tfjs hands it the shader source.
const CAPTURED = Symbol('shader source captured');

/** The flag values before useSharedWebglPrograms(true), restored by useSharedWebglPrograms(false). */
let saved: Map<string, number | boolean | string> | undefined;

/**
 * The fragment shader source tfjs would compile for a program: `getBinary` is tfjs' own
 * compile closure, run against a stand-in context that stops at `shaderSource`, so nothing is
 * compiled and the real context is untouched.
 */
function programSource(backend: WebGLBackendLike, getBinary: () => unknown): string {
  let source: string | undefined;
  const gl = {
    FRAGMENT_SHADER: 0x8b30,
    getError: () => 0,
    createShader: () => ({}),
    shaderSource: (_shader: unknown, text: string) => {
      source = text;
      throw CAPTURED;
    },
  };
  const real = backend.gpgpu;
  backend.gpgpu = { gl };
  try {
    getBinary();
  } catch (error) {
    if (error !== CAPTURED) throw error;
  } finally {
    backend.gpgpu = real;
  }
  if (source === undefined) {
    throw new UnetKitError('useSharedWebglPrograms', 'the WebGL backend', 'compiled a program without handing its shader source to shaderSource; this tfjs-backend-webgl is not the 4.x one unet-kit supports. Call useSharedWebglPrograms(false).');
  }
  return source;
}

/**
 * Keys `backend`'s program cache by the shader source as well as tfjs' own key while
 * WEBGL_USE_SHAPES_UNIFORMS is on (tfjs' key alone then maps different shaders to one program).
 * With the flag off tfjs' key holds every shape and is left as it is. Idempotent.
 */
export function keyProgramsBySource(backend: WebGLBackendLike): void {
  const marked = backend as unknown as Record<symbol, boolean>;
  if (marked[KEYED] === true) return;
  const stockGetAndSave = backend.getAndSaveBinary.bind(backend);
  backend.getAndSaveBinary = (key, getBinary) =>
    stockGetAndSave(tf.env().getBool(SHAPE_UNIFORMS) ? `${key}\u0000${programSource(backend, getBinary)}` : key, getBinary);
  marked[KEYED] = true;
}

/** The WebGL backend the engine has started, if any (without starting one). */
function startedWebglBackend(): WebGLBackendLike | undefined {
  return (tf.engine().registry as Record<string, unknown>).webgl as WebGLBackendLike | undefined;
}

/**
 * Compiles one WebGL program per operation and layout instead of one per tensor shape, and
 * samples unpacked textures (`useBackend('webgl')` turns this on where the renderer is a software
 * one, SwiftShader or llvmpipe, and leaves a hardware GPU as tfjs sets it up). On: tfjs' flags
 * `WEBGL_USE_SHAPES_UNIFORMS` true and `WEBGL_PACK` (with the packing flags derived from it)
 * false, and the started WebGL backend's program cache keyed by shader source, which makes the
 * shape-uniform programs correct (see the module comment). Off: the flags as they were before.
 * Measured on SwiftShader (headless Chromium, 2 cores, 2026-12-03): the factory suite's 25 models
 * on WebGL took 115.5 s with it and 334.8 s without; compiling shaders was 18.5 s of 35.4 s for
 * three of them without it.
 *
 * @param on - true for shape-independent programs and unpacked textures; false for tfjs' defaults.
 * @throws UnetKitError when `on` is not a boolean, or is true before the WebGL backend started.
 * @example
 * ```ts
 * import { useBackend, useSharedWebglPrograms } from 'unet-kit/backend';
 * await useBackend('webgl');
 * useSharedWebglPrograms(false); // back to one program per shape and packed textures
 * ```
 */
export function useSharedWebglPrograms(on: boolean): void {
  assertBoolean('useSharedWebglPrograms', 'on', on);
  if (!on) {
    for (const [flag, value] of saved ?? []) tf.env().set(flag, value);
    saved = undefined;
    return;
  }
  const backend = startedWebglBackend();
  if (backend === undefined) throw new UnetKitError('useSharedWebglPrograms', 'on', "is true but no WebGL backend has started; call it after useBackend('webgl') (or tf.setBackend('webgl') and tf.ready()).");
  keyProgramsBySource(backend);
  if (saved === undefined) saved = new Map([...PACK_FLAGS, SHAPE_UNIFORMS].map((flag) => [flag, tf.env().get(flag)]));
  for (const flag of PACK_FLAGS) tf.env().set(flag, false);
  tf.env().set(SHAPE_UNIFORMS, true);
}

/**
 * Whether shape-independent WebGL programs are on (see {@link useSharedWebglPrograms}).
 *
 * @example
 * ```ts
 * import { sharedWebglProgramsOn } from 'unet-kit/backend';
 * console.log(sharedWebglProgramsOn() ? 'one program per op and layout' : "tfjs' WebGL defaults");
 * ```
 */
export function sharedWebglProgramsOn(): boolean {
  return saved !== undefined;
}
