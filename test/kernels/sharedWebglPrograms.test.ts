// The shape-independent WebGL programs of a software renderer (they run in Chromium:
// test/browser/factories.test.ts trains all 25 factory models with them on SwiftShader). Here, in
// Node, the part that makes them correct: tfjs-backend-webgl's own program key and shader
// generator (gpgpu_math's makeShaderKey and compileProgram) give one key to two different shaders
// under WEBGL_USE_SHAPES_UNIFORMS, and keyProgramsBySource keeps them apart.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as gpgpuMath from '@tensorflow/tfjs-backend-webgl/dist/gpgpu_math.js';
import { UnaryOpProgram } from '@tensorflow/tfjs-backend-webgl/dist/unaryop_gpu.js';
import { UnetKitError } from '../../src/core/errors.js';
import { keyProgramsBySource, sharedWebglProgramsOn, useSharedWebglPrograms } from '../../src/kernels/webgl/sharedPrograms.js';

interface TensorDataLike {
  shape: number[];
  texData: { texShape: number[]; isPacked: boolean };
  isUniform: false;
}

// A [1, 3, 5] tensor on two texture layouts, squared into a [1, 3, 5] output on a third: the
// squeezed [3, 5] equals the first layout only, so the generated shaders differ (texture
// coordinates against a flat index) while tfjs' key, which compares the unsqueezed shape, is one.
// tfjs' internal signatures over the few fields they read here.
const makeShaderKey = gpgpuMath.makeShaderKey as unknown as (program: unknown, inputs: TensorDataLike[], output: TensorDataLike) => string;
const compileProgram = gpgpuMath.compileProgram as unknown as (gpgpu: unknown, program: unknown, inputs: TensorDataLike[], output: TensorDataLike) => unknown;

const onTexture = (texShape: number[]): TensorDataLike => ({ shape: [1, 3, 5], texData: { texShape, isPacked: false }, isUniform: false });
const OUTPUT = onTexture([7, 7]);
const square = () => new UnaryOpProgram([1, 3, 5], 'return x * x;');

/** A WebGL context and GPGPU context that compile nothing and record each shader source. */
function recordingGpgpu(sources: string[]): unknown {
  const gl = new Proxy(
    { FRAGMENT_SHADER: 0x8b30, COMPILE_STATUS: 0x8b81, shaderSource: (_shader: unknown, text: string) => sources.push(text), getShaderParameter: () => true },
    { get: (target, name) => (name in target ? target[name as keyof typeof target] : () => ({})) },
  );
  return new Proxy({ gl }, { get: (target, name) => (name === 'gl' ? target.gl : () => ({})) });
}

/** The parts of MathBackendWebGL keyProgramsBySource touches, with tfjs' own cache logic. */
function fakeBackend() {
  const compiled: string[] = [];
  const backend = {
    gpgpu: recordingGpgpu(compiled),
    binaryCache: {} as Record<string, unknown>,
    getAndSaveBinary(key: string, getBinary: () => unknown): unknown {
      if (!(key in this.binaryCache)) this.binaryCache[key] = getBinary();
      return this.binaryCache[key];
    },
  };
  // As tfjs' runWebGLProgram: the closure reads the backend's gpgpu when called.
  const run = (input: TensorDataLike) => {
    const program = square();
    return backend.getAndSaveBinary(makeShaderKey(program, [input], OUTPUT), () => compileProgram(backend.gpgpu, program, [input], OUTPUT));
  };
  return { backend, compiled, run };
}

describe('shape-independent WebGL programs', () => {
  let before: boolean;
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    before = tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS');
    tf.env().set('WEBGL_VERSION', 2);
    tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  });
  afterEach(() => tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', before));

  it("tfjs' key alone gives two different shaders one program (the fault being mended)", () => {
    const { backend, compiled, run } = fakeBackend();
    expect(makeShaderKey(square(), [onTexture([3, 5])], OUTPUT)).toBe(makeShaderKey(square(), [onTexture([5, 3])], OUTPUT));
    const first = run(onTexture([3, 5]));
    expect(run(onTexture([5, 3]))).toBe(first);
    expect(compiled).toHaveLength(1);
    expect(Object.keys(backend.binaryCache)).toHaveLength(1);
  });

  it('keyed by source as well, each layout gets its own program; a layout met again reuses it', () => {
    const { backend, compiled, run } = fakeBackend();
    const gpgpu = backend.gpgpu;
    keyProgramsBySource(backend);
    keyProgramsBySource(backend); // idempotent: wrapped once
    const a = run(onTexture([3, 5]));
    const b = run(onTexture([5, 3]));
    expect(b).not.toBe(a);
    expect(compiled).toHaveLength(2);
    expect(compiled[0]).toContain('halfCR');
    expect(compiled[1]).toContain('uvFromFlat');
    expect(run(onTexture([3, 5]))).toBe(a);
    expect(run(onTexture([5, 3]))).toBe(b);
    expect(compiled).toHaveLength(2);
    expect(backend.gpgpu).toBe(gpgpu);
  });

  it("with shape uniforms off, tfjs' key (every shape in it) is used as it is", () => {
    tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', false);
    const { backend, compiled, run } = fakeBackend();
    keyProgramsBySource(backend);
    run(onTexture([3, 5]));
    run(onTexture([5, 3]));
    expect(compiled).toHaveLength(2);
    expect(Object.keys(backend.binaryCache).every((key) => !key.includes('\u0000'))).toBe(true);
  });

  it("passes tfjs' own compile errors through and restores the context; a compile that never reaches shaderSource is named", () => {
    const { backend } = fakeBackend();
    const gpgpu = backend.gpgpu;
    keyProgramsBySource(backend);
    expect(() => backend.getAndSaveBinary('k', () => { throw new Error('Failed to compile fragment shader.'); })).toThrow('Failed to compile fragment shader.');
    expect(backend.gpgpu).toBe(gpgpu);
    expect(() => backend.getAndSaveBinary('k', () => ({}))).toThrow(UnetKitError);
    expect(() => backend.getAndSaveBinary('k', () => ({}))).toThrow(/useSharedWebglPrograms: the WebGL backend compiled a program without handing its shader source/);
    expect(backend.gpgpu).toBe(gpgpu);
  });

  it('sets shape uniforms and unpacked textures on the started WebGL backend, and puts the flags back', () => {
    const registry = tf.engine().registry as Record<string, unknown>;
    const { backend } = fakeBackend();
    tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', false);
    const packedBefore = tf.env().getBool('WEBGL_PACK_BINARY_OPERATIONS');
    const tensors = tf.memory().numTensors;
    registry.webgl = backend;
    try {
      useSharedWebglPrograms(true);
      expect(sharedWebglProgramsOn()).toBe(true);
      expect(tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS')).toBe(true);
      for (const flag of ['WEBGL_PACK', 'WEBGL_PACK_BINARY_OPERATIONS', 'WEBGL_CONV_IM2COL', 'WEBGL_LAZILY_UNPACK']) expect(tf.env().getBool(flag), flag).toBe(false);
      useSharedWebglPrograms(true); // again: the saved flags stay the first ones
      useSharedWebglPrograms(false);
      expect(sharedWebglProgramsOn()).toBe(false);
      expect(tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS')).toBe(false);
      expect(tf.env().getBool('WEBGL_PACK_BINARY_OPERATIONS')).toBe(packedBefore);
    } finally {
      delete registry.webgl;
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('rejects a non-boolean, and true before any WebGL backend started', () => {
    expect(() => useSharedWebglPrograms('yes' as unknown as boolean)).toThrow(UnetKitError);
    expect(() => useSharedWebglPrograms(1 as unknown as boolean)).toThrow(/useSharedWebglPrograms: on .*true or false/);
    expect(() => useSharedWebglPrograms(true)).toThrow(/useSharedWebglPrograms: on is true but no WebGL backend has started; call it after useBackend\('webgl'\)/);
    expect(sharedWebglProgramsOn()).toBe(false);
    useSharedWebglPrograms(false); // off when off: nothing to restore
  });
});
