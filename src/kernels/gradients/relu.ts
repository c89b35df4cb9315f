import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD } from '../names.js';

/** True when the active backend has a one-kernel ReLU gradient ({@link RELU_GRAD}). */
const hasReluGradKernel = (): boolean => tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;

/**
 * tfjs' ReLU gradient, `dy * step(x)`, is two kernels and a cast (on `tensorflow`: three full
 * passes over the activation, once per ReLU per train step). Where the backend registers
 * {@link RELU_GRAD} it is one kernel; elsewhere this is tfjs' own formula, unchanged.
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved as [tf.Tensor];
    const grad = dy as tf.Tensor;
    return {
      x: () =>
        hasReluGradKernel() && x.dtype === 'float32' && grad.dtype === 'float32'
          ? (tf.engine().runKernel(RELU_GRAD, { dy: grad, x }) as tf.Tensor)
          : tf.mul(grad, tf.cast(tf.step(x), 'float32')),
    };
  },
};

/**
 * {@link RELU_GRAD} is linear in `dy` with the mask of `x` fixed, so its own gradient (second
 * derivatives, e.g. gradient penalties) is the same mask on the upstream gradient, and zero for `x`.
 */
export const reluGradGradConfig: tf.GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved as [tf.Tensor];
    const grad = ddx as tf.Tensor;
    return { dy: () => tf.engine().runKernel(RELU_GRAD, { dy: grad, x }) as tf.Tensor, x: () => tf.zerosLike(x) };
  },
};
