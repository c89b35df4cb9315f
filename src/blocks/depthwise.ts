import * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import type { SpatialDims } from '../layers/spatial.js';
import { apply, type Sym } from './functional.js';

/** Settings of {@link depthwiseConv}. */
export interface DepthwiseConfig {
  spatialDims: SpatialDims;
  kernelSize: number;
  strides: number;
  depthMultiplier: number;
  useBias: boolean;
  /** Draws the initializer seed of each depthwise layer. */
  nextSeed: () => number | undefined;
  name: string;
  /** The public function, for error messages. */
  caller: string;
}

function depthwise2d(config: DepthwiseConfig, kernel: [number, number], strides: [number, number], multiplier: number, useBias: boolean, name: string) {
  return tfl.layers.depthwiseConv2d({
    kernelSize: kernel,
    strides,
    padding: 'same',
    depthMultiplier: multiplier,
    useBias,
    depthwiseInitializer: tfl.initializers.heNormal({ seed: config.nextSeed() }),
    name,
  });
}

/**
 * A depthwise convolution (one filter per channel; Howard et al. 2017). In 2D: one stock
 * `DepthwiseConv2D` named `name`. In 3D, where tfjs has no depthwise 3D conv, a factorized
 * depthwise conv: the `k x k x k` per-channel kernel is replaced by a rank-1 (separable)
 * kernel `k_d (x) k_h (x) k_w`, applied as three 1-D depthwise convs along W, H and D, each a
 * stock `DepthwiseConv2D` with a `1 x k` kernel on a `Reshape`/`Permute` view of the volume
 * (layers `${name}_w`, `${name}_h`, `${name}_d` and their `_in` / `_out` / `_perm` views).
 * 3k weights per channel instead of k^3; needs known spatial sizes.
 */
export function depthwiseConv(x: Sym, config: DepthwiseConfig): Sym {
  const { kernelSize: k, strides: s, depthMultiplier, useBias, name } = config;
  if (config.spatialDims === 2) return apply(depthwise2d(config, [k, k], [s, s], depthMultiplier, useBias, name), x);
  const [, d, h, w] = x.shape as (number | null)[];
  if (d === null || h === null || w === null || d === undefined || h === undefined || w === undefined) {
    throw new UnetKitError(
      config.caller,
      'x',
      `has shape ${formatValue(x.shape)}; the 3D depthwise conv (factorized into 1-D depthwise convs, as tfjs has no DepthwiseConv3D) needs known spatial sizes: give inputShape fixed sizes.`,
    );
  }
  const out = (n: number) => Math.ceil(n / s);
  const reshape = (t: Sym, shape: number[], suffix: string) => apply(tfl.layers.reshape({ targetShape: shape, name: `${name}_${suffix}` }), t);
  const permute = (t: Sym, dims: number[], suffix: string) => apply(tfl.layers.permute({ dims, name: `${name}_${suffix}` }), t);
  const pass = (t: Sym, axis: 'w' | 'h' | 'd', multiplier: number, bias: boolean) =>
    apply(depthwise2d(config, [1, k], [1, s], multiplier, bias, `${name}_${axis}`), t);
  const c = x.shape[4] as number;
  const cm = c * depthMultiplier;
  // Along W: rows (d, h) are independent, so [D*H, W, C] with a 1 x k kernel is exact.
  let t = pass(reshape(x, [d * h, w, c], 'w_in'), 'w', depthMultiplier, false);
  // Along H: [D, H, W', C'] -> [D, W', H, C'] -> [D*W', H, C'].
  t = permute(reshape(t, [d, h, out(w), cm], 'w_out'), [1, 3, 2, 4], 'h_perm');
  t = pass(reshape(t, [d * out(w), h, cm], 'h_in'), 'h', 1, false);
  // Along D: [D, W', H', C'] -> [W', H', D, C'] -> [W'*H', D, C'].
  t = permute(reshape(t, [d, out(w), out(h), cm], 'h_out'), [2, 3, 1, 4], 'd_perm');
  t = pass(reshape(t, [out(w) * out(h), d, cm], 'd_in'), 'd', 1, useBias);
  // Back to [D', H', W', C'] from [W', H', D', C'].
  t = reshape(t, [out(w), out(h), out(d), cm], 'd_out');
  return permute(t, [3, 2, 1, 4], 'out');
}
