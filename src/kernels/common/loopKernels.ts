import * as tf from '@tensorflow/tfjs-core';
import { maxPool2dGradLoop } from '../loops/maxPool2dGrad.js';
import { maxPool3dGradLoop, maxPool3dLoop } from '../loops/maxPool3d.js';
import { resizeBilinearGradLoop, resizeNearestGradLoop, type ResizeGeometry } from '../loops/resizeGrad.js';
import { allocF32, readF32, type Info, type Shape5 } from '../tensorData.js';

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

/**
 * `MaxPool3D` as a direct loop, for wasm, whose tfjs 4.22 kernel starts each window at FLT_MIN
 * and so is wrong for all-negative windows.
 */
export function maxPool3DKernel({ inputs, backend, attrs }: Args): Info {
  const { x } = inputs as { x: Info };
  const a = attrs as unknown as tf.MaxPool3DAttrs;
  const p = tf.backend_util.computePool3DInfo(x.shape as Shape5, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode, a.dataFormat);
  const out = allocF32(backend, p.outShape);
  maxPool3dLoop(readF32(backend, x), p, readF32(backend, out.info));
  return out.info;
}

/**
 * `MaxPool3DGrad` as a direct loop, consistent with {@link maxPool3DKernel}: on wasm, and on cpu,
 * whose tfjs 4.22 kernel indexes the window maximum as `row * filterHeight + col` and so loses the
 * gradient of every window whose height and width differ (a 1x2x1 pool's gradient is all zeros).
 */
export function maxPool3DGradKernel({ inputs, backend, attrs }: Args): Info {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const a = attrs as unknown as tf.MaxPool3DGradAttrs;
  const p = tf.backend_util.computePool3DInfo(input.shape as Shape5, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const out = allocF32(backend, input.shape);
  maxPool3dGradLoop(readF32(backend, dy), readF32(backend, input), p, readF32(backend, out.info));
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
