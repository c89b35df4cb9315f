import * as tf from '@tensorflow/tfjs-core';
import { maxPool2dGradLoop } from '../loops/maxPool2dGrad.js';
import { resizeBilinearGradLoop, resizeNearestGradLoop, type ResizeGeometry } from '../loops/resizeGrad.js';
import { allocF32, readF32, type Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** `MaxPoolGrad` as a direct loop (any backend whose data {@link readF32} reaches). */
export function maxPoolGradKernel({ inputs, backend, attrs }: Args): Info {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  const p = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const out = allocF32(backend, input.shape);
  maxPool2dGradLoop(readF32(backend, dy), readF32(backend, input), p, readF32(backend, out.info));
  return out.info;
}

function resizeGeometry(images: Info, dy: Info, alignCorners: boolean): ResizeGeometry {
  const [batch, inHeight, inWidth, channels] = images.shape as [number, number, number, number];
  return { batch, inHeight, inWidth, channels, outHeight: dy.shape[1]!, outWidth: dy.shape[2]!, alignCorners };
}

/** `ResizeNearestNeighborGrad` as a scatter loop. */
export function resizeNearestGradKernel({ inputs, backend, attrs }: Args): Info {
  const { images, dy } = inputs as { images: Info; dy: Info };
  const out = allocF32(backend, images.shape);
  resizeNearestGradLoop(readF32(backend, dy), resizeGeometry(images, dy, (attrs as { alignCorners: boolean }).alignCorners), readF32(backend, out.info));
  return out.info;
}

/** `ResizeBilinearGrad` as a scatter loop with the images' shape. */
export function resizeBilinearGradKernel({ inputs, backend, attrs }: Args): Info {
  const { images, dy } = inputs as { images: Info; dy: Info };
  const out = allocF32(backend, images.shape);
  resizeBilinearGradLoop(readF32(backend, dy), resizeGeometry(images, dy, (attrs as { alignCorners: boolean }).alignCorners), readF32(backend, out.info));
  return out.info;
}
