import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterLoop } from '../loops/conv2dBackpropFilter.js';
import { conv2dInfoOf, geometryOf } from '../loops/geometry.js';
import { stockKernel } from '../registry.js';
import { allocF32, readF32, type Info } from '../tensorData.js';
import { UnetKitError } from '../../core/errors.js';

/**
 * The filter gradient of a 2D convolution (channels last) as a blocked direct loop
 * ({@link conv2dBackpropFilterLoop}); channels-first input goes to the stock kernel.
 * For a 16->16 3x3 conv on 4x128x128 it replaces a ~21 s loop (docs/tfjs-gaps.md).
 */
export function conv2dBackpropFilterKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: Info; dy: Info };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (a.dataFormat === 'NCHW') {
      const stock = stockKernel(tf.Conv2DBackpropFilter, backendName);
      if (stock === undefined) throw new UnetKitError('Conv2DBackpropFilter (cpu)', 'attrs.dataFormat', "is 'NCHW'; expected 'NHWC' (unet-kit is channels-last).");
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const info = conv2dInfoOf(x.shape, a.filterShape, a);
    const out = allocF32(backend, info.filterShape);
    conv2dBackpropFilterLoop(readF32(backend, x), readF32(backend, dy), geometryOf(info), readF32(backend, out.info));
    return out.info;
  };
}
