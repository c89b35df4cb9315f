import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';

/** The activations of one layer and the gradient of a scalar target with respect to them. */
export interface LayerActivationsAndGradients {
  /** The layer's output in the forward pass. */
  activations: tf.Tensor;
  /** d target / d activations, same shape. */
  gradients: tf.Tensor;
}

/**
 * Runs `model` on `x` (inference mode) and returns the output of `layer` together with the
 * gradient of `target(modelOutput)` with respect to it, in one forward and one backward pass.
 * tfjs cannot split a functional model at an inner layer (U-Net skips reach around it), so the
 * layer's `call` is wrapped for the duration: its output passes through an identity whose
 * custom gradient records the incoming gradient (the tfjs counterpart of a PyTorch backward
 * hook, as MONAI's `ModelWithHooks` and pytorch-grad-cam's `ActivationsAndGradients` use).
 * The wrapper is removed before returning, also when the forward pass throws.
 */
export function layerActivationsAndGradients(
  functionName: string,
  model: tfl.LayersModel,
  layer: tfl.layers.Layer,
  x: tf.Tensor,
  target: (output: tf.Tensor) => tf.Scalar,
): LayerActivationsAndGradients {
  const original = Object.prototype.hasOwnProperty.call(layer, 'call') ? layer.call : undefined;
  const call = layer.call.bind(layer);
  const activations: tf.Tensor[] = [];
  const gradients: tf.Tensor[] = [];
  const record = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc) => ({
    value: tf.clone(a as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      gradients.push(tf.keep(tf.clone(dy)));
      return dy;
    },
  }));
  layer.call = (inputs, kwargs) => {
    const output = call(inputs, kwargs);
    if (Array.isArray(output)) {
      throw new UnetKitError(functionName, 'options.layer', `is '${layer.name}', which has ${output.length} outputs; expected a layer with one feature-map output.`);
    }
    activations.push(tf.keep(tf.clone(output)));
    return record(output) as tf.Tensor;
  };
  try {
    // tidy also frees the forward pass's tensors when the target throws midway.
    tf.tidy(() => {
      tf.grad((input: tf.Tensor) => {
        const output = model.apply(input, { training: false });
        return target((Array.isArray(output) ? output[0]! : output) as tf.Tensor);
      })(x);
    });
  } catch (error) {
    tf.dispose([...activations, ...gradients]);
    throw error;
  } finally {
    if (original === undefined) delete (layer as { call?: unknown }).call;
    else layer.call = original;
  }
  if (activations.length !== 1 || gradients.length !== 1) {
    tf.dispose([...activations, ...gradients]);
    const detail =
      activations.length === 0
        ? 'which the forward pass never ran (is it inside a nested model? name a layer of the outer model)'
        : gradients.length === 0
          ? 'whose output does not reach the target (no gradient flows back to it)'
          : `which the model applies ${activations.length} times (a shared layer); name a layer applied once`;
    throw new UnetKitError(functionName, 'options.layer', `is '${layer.name}', ${detail}.`);
  }
  return { activations: activations[0]!, gradients: gradients[0]! };
}
