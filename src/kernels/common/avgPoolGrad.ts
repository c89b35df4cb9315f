// tfjs 4.22's average pools divide each window by its in-bounds voxels (as TensorFlow does,
// padding not counted), but every backend's AvgPoolGrad and AvgPool3DGrad divides by the whole
// window: where a 'same' window overhangs the border its gradient is too small (a 3x3 window
// at stride 1 over a corner reads 4 voxels, so dx there is 4/9 of TensorFlow's). Scaling dy by
// whole / in-bounds per output and running the stock gradient gives TensorFlow's answer on any
// backend, shaders included, with one elementwise multiply.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import { constantF32, withScope, type Info, type Shape5 } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];
type Pool = tf.backend_util.Conv2DInfo | tf.backend_util.Conv3DInfo;

/** In-bounds taps of each output along one axis (stride s, window k, front pad p, size n). */
function axisCounts(out: number, s: number, k: number, p: number, n: number): number[] {
  return Array.from({ length: out }, (_, o) => Math.min(n, o * s - p + k) - Math.max(0, o * s - p));
}

/**
 * The factor whole-window / in-bounds for each element of `dy` of the average pool `info`
 * (channels last), or `undefined` where no window overhangs (the stock gradient is right).
 */
export function avgPoolGradScale(info: Pool): Float32Array | undefined {
  const volume = 'inDepth' in info;
  const d = volume ? axisCounts(info.outDepth, info.strideDepth, info.effectiveFilterDepth, info.padInfo.front, info.inDepth) : [1];
  const h = axisCounts(info.outHeight, info.strideHeight, info.effectiveFilterHeight, info.padInfo.top, info.inHeight);
  const w = axisCounts(info.outWidth, info.strideWidth, info.effectiveFilterWidth, info.padInfo.left, info.inWidth);
  const whole = (volume ? info.effectiveFilterDepth : 1) * info.effectiveFilterHeight * info.effectiveFilterWidth;
  const C = info.outChannels;
  const scale = new Float32Array(info.batchSize * d.length * h.length * w.length * C);
  let i = 0;
  for (let n = 0; n < info.batchSize; n++)
    for (const cd of d)
      for (const ch of h)
        for (const cw of w) {
          const factor = whole / (cd * ch * cw);
          for (let c = 0; c < C; c++) scale[i++] = factor;
        }
  return scale.some((f) => f !== 1) ? scale : undefined;
}

/**
 * `AvgPoolGrad` or `AvgPool3DGrad` of `backendName` with TensorFlow's divisor: the stock
 * kernel on `dy` (`[N, (D,) H', W', C]`) scaled by {@link avgPoolGradScale} where a window
 * overhangs; `dx` has the shape of `input`.
 */
export function avgPoolGradKernel(name: typeof tf.AvgPoolGrad | typeof tf.AvgPool3DGrad, backendName: string): tf.KernelFunc {
  const kernel = stockKernelFunc(name, backendName);
  return (args: Args) => {
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const a = args.attrs as unknown as tf.AvgPool3DGradAttrs;
    const info =
      name === tf.AvgPool3DGrad
        ? tf.backend_util.computePool3DInfo(input.shape as Shape5, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode)
        : tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize as unknown as [number, number], a.strides as unknown as [number, number], 1, a.pad, a.dimRoundingMode);
    const scale = avgPoolGradScale(info);
    if (scale === undefined) return kernel(args) as Info;
    return withScope(args.backend, backendName, (s) => {
      const factors = s.own(constantF32(args.backend, dy.shape, scale));
      const scaled = s.run(tf.Multiply, { a: dy, b: factors });
      return kernel({ inputs: { dy: scaled, input }, backend: args.backend, attrs: args.attrs ?? {} }) as Info;
    });
  };
}
