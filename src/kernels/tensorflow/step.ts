import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from '../registry.js';
import type { Info } from '../tensorData.js';
import { float32Attr, type TensorflowBackendLike } from './backendLike.js';

type Args = Parameters<tf.KernelFunc>[0];

/**
 * `Step` on `tensorflow` (the ReLU gradient's mask, `dy * step(x)`, once per ReLU per train
 * step): for `alpha = 0` on float32 it is `Sign(Relu(x))`, two native ops (1 where x > 0, 0
 * elsewhere, NaN kept as NaN like tfjs' definition), instead of tfjs-node's seven (IsNan,
 * Greater, Ones and Fill of the full shape, two Selects); other cases run the stock kernel.
 */
export function tensorflowStep(args: Args): Info {
  const { inputs, backend, attrs } = args;
  const x = (inputs as { x: Info }).x;
  if ((attrs as { alpha?: number }).alpha !== 0 || x.dtype !== 'float32') {
    const stock = stockKernel(tf.Step, 'tensorflow');
    return stock!.kernelFunc(args) as Info;
  }
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const t = [float32Attr(tfBackend)];
  const positive = tfBackend.executeSingleOutput('Relu', t, [x]);
  const mask = tfBackend.executeSingleOutput('Sign', t, [positive]);
  tfBackend.disposeData(positive.dataId, true);
  return mask;
}

/** unet-kit's `UnetKitReluGrad` kernel on `tensorflow`: TensorFlow's `ReluGrad(dy, x)`, one pass (`dy` where x > 0, else 0). */
export function tensorflowReluGrad({ inputs, backend }: Args): Info {
  const { dy, x } = inputs as { dy: Info; x: Info };
  const tfBackend = backend as unknown as TensorflowBackendLike;
  return tfBackend.executeSingleOutput('ReluGrad', [float32Attr(tfBackend)], [dy, x]);
}
