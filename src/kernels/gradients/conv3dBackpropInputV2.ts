import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Conv3DBackpropInputV2` (the forward op of `conv3dTranspose`), which tfjs
 * 4.22 lacks on every backend. The op is linear in both inputs, `dx = conv3d^T(dy, W)`, so for an
 * upstream gradient `ddx`: `d dy = conv3d(ddx, W)` (same strides and padding) and
 * `dW = Conv3DBackpropFilterV2(ddx, dy)` — the 3D form of tfjs' own Conv2DBackpropInput gradient.
 */
export const conv3dBackpropInputV2GradConfig: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const grad = ddx as tf.Tensor5D;
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
    return {
      dy: () => tf.conv3d(grad, filter, strides, pad),
      filter: () =>
        tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x: grad, dy } as unknown as tf.NamedTensorMap, {
          strides,
          pad,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
};
