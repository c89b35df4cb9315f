// tfjs-backend-webgpu 4.22's Cast turns an int32 or bool tensor into float32 by relabelling it:
// the data id keeps its i32 buffer. Kernels that read it through the generated getters convert
// on the fly, but those that copy elements as they are (Transpose, so a sum over a non-innermost
// axis) then assign an i32 to an f32 output: WGSL rejects the shader ("type mismatch ...
// expected 'f32', got 'i32'") and the result is garbage. This Cast writes a real f32 buffer.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';

/** The parts of tfjs' WebGPUBackend this kernel uses. */
interface WebGPUBackendLike {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

const WORKGROUP = 128;

/**
 * An element-wise copy through the generated getter (which converts its i32 input to f32) into
 * a float32 output, in the shape of tfjs' own flat-dispatch programs (UnaryOpProgram).
 */
function toFloatProgram(shape: number[]): object {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    variableNames: ['A'],
    outputShape: shape,
    shaderKey: 'unetkit_cast_to_float32',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, getAByOutputIndex(index));
        }
      }
    `,
  };
}

/** WebGPU `Cast`: int32/bool -> float32 converts the buffer; every other cast is tfjs' own. */
export const webgpuCast: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (dtype === 'float32' && (x.dtype === 'int32' || x.dtype === 'bool')) {
    return (args.backend as WebGPUBackendLike).runWebGPUProgram(toFloatProgram([...x.shape]), [x], 'float32');
  }
  return stockKernelFunc(tf.Cast, 'webgpu')(args);
};
